import { Field, Int, ObjectType } from "type-graphql";
import { DateTimeScalar } from "./scalars/date-time.scalar";

@ObjectType("CallBudget", {
  description:
    "A provider account's budget of upstream calls in its current window, as this server counts it (in the manner of GitHub's rateLimit). Every upstream call of the account draws one point; a provider's own 429 empties it until the provider's Retry-After.",
})
export class CallBudgetType {
  @Field(() => Int, { description: "Upstream calls the account may make per window." })
  limit!: number;

  @Field(() => Int, {
    description:
      "Calls left in the current window; never negative, and equal to limit where no window is running.",
  })
  remaining!: number;

  @Field(() => Int, {
    description:
      "Length of a window in seconds, counted from the first call in it: the provider's window plus a one-second margin, so that this server's budget never refills before the provider's.",
  })
  windowSeconds!: number;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description:
      "When the current window ends and the budget is whole again; null where no window is running (no call since the last refill).",
  })
  resetAt!: Date | null;
}
