import { Field, ObjectType } from "type-graphql";
import { ProviderKind } from "./enums";

@ObjectType("ProviderAccount", { description: "A configured provider account. Never exposes a secret." })
export class ProviderAccountType {
  @Field(() => String, {
    description: 'The account\'s name, unique per provider: what the "account" arguments take.',
  })
  name!: string;

  @Field(() => ProviderKind, { description: "The provider the account belongs to." })
  provider!: ProviderKind;

  @Field(() => String, { description: "Base URL requests go to (scheme://host[:port])." })
  endpoint!: string;

  @Field(() => Boolean, { description: "True where this account is served by the built-in sandbox." })
  sandbox!: boolean;
}
