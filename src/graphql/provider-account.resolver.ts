import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { Context } from "../context";
import type { BudgetStatus } from "../http/fair-share";
import type { ProviderAccountInfo } from "../providers/provider";
import { CallBudgetType } from "./call-budget.type";
import { ProviderAccountType } from "./provider-account.type";

@Resolver(() => ProviderAccountType)
export class ProviderAccountResolver {
  @FieldResolver(() => CallBudgetType, {
    nullable: true,
    description:
      "The account's budget of upstream calls as it stands now, read without spending any; null where the account has none (Baidu GEO documents no limit, so its accounts have none unless configured).",
  })
  budget(@Root() account: ProviderAccountInfo, @Ctx() ctx: Context): Promise<BudgetStatus | null> {
    return ctx.registry.budgetStatus(account.provider, account.name);
  }
}
