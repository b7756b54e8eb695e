import { Arg, Args, Ctx, Directive, ID, Query, Resolver } from "type-graphql";
import type { Context } from "../context";
import { decodeGlobalId } from "../domain/global-id";
import type { PrefetchTask } from "../domain/prefetch-task";
import { BY_IDS_SIZE, UPSTREAM_CALL } from "./demand-control";
import { NodeInterface } from "./node.interface";
import { IdsArgs, loadByGlobalIds } from "./prefetch.resolver";
import { taskRefRules } from "./validators";

@Resolver()
export class NodeResolver {
  @Directive(UPSTREAM_CALL)
  @Query(() => NodeInterface, { nullable: true, description: "Any object by its global id (Relay)." })
  async node(
    @Arg("id", () => ID, { description: "A global id (PrefetchTask.id)." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<PrefetchTask | null> {
    const ref = decodeGlobalId(id, taskRefRules(ctx.now));
    return ref ? ctx.loaders.task.load(ref) : null;
  }

  @Directive(UPSTREAM_CALL)
  @Directive(BY_IDS_SIZE)
  @Query(() => [NodeInterface], {
    nullable: "items",
    description: "Objects by global id, in request order (Relay).",
  })
  async nodes(
    @Args(() => IdsArgs) { ids }: IdsArgs,
    @Ctx() ctx: Context,
  ): Promise<(PrefetchTask | null | Error)[]> {
    return loadByGlobalIds(ctx, ids);
  }
}
