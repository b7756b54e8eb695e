import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from "@apollo/server";
import { GraphQLError, OperationTypeNode } from "graphql";

const SETTLED: Promise<void> = Promise.resolve();

/** The same listener for every request: it holds no state, so a request allocates nothing for it. */
const REFUSE_SUBSCRIPTIONS: GraphQLRequestListener<BaseContext> = {
  didResolveOperation({ operation }) {
    if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) return SETTLED;
    throw new GraphQLError(
      "Subscriptions are served over WebSocket (the graphql-transport-ws protocol) at this URL, not over HTTP.",
      { extensions: { code: "BAD_REQUEST", http: { status: 400 } } },
    );
  },
};
const LISTENER: Promise<GraphQLRequestListener<BaseContext>> = Promise.resolve(REFUSE_SUBSCRIPTIONS);

/**
 * A subscription sent over HTTP is refused before anything runs (400 BAD_REQUEST): Apollo Server would execute
 * it as a query, once, with no event to resolve. Subscriptions are served over WebSocket on the same URL.
 */
export function subscriptionsOverHttpRefused<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  // The listener reads nothing of the context: the one for BaseContext serves every TContext.
  return { requestDidStart: () => LISTENER };
}
