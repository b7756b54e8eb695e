import { Field, ObjectType } from "type-graphql";
import { ProviderKind } from "./enums";

@ObjectType("PrefetchSource", {
  description:
    'One provider account a connection page was read from, and whether it contributed every task it should have: how a client tells a whole page from one missing an account (show "Wangsu CDN Pro unavailable" rather than a list that looks complete).',
})
export class PrefetchSourceType {
  @Field(() => ProviderKind, { description: "The account's provider." })
  provider!: ProviderKind;

  @Field(() => String, { description: "The account's name." })
  account!: string;

  @Field(() => Boolean, {
    description:
      "True where every task of this account that belongs on this page is on it. False where the account failed: its tasks are missing from this page, the response carries an error at the connection naming the account, and the page's endCursor resumes the account where it stopped, so that a later page brings them (possibly after older tasks of the other accounts) without skipping or repeating one.",
  })
  complete!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      "Why the account is incomplete: the code of that error (UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, UPSTREAM_RATE_LIMITED, OPERATION_LIMIT_EXCEEDED, …); null where complete.",
  })
  errorCode!: string | null;
}
