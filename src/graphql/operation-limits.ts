import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";

/**
 * The schema has no cycles (its deepest path is about nine fields), so depth needs no limit; what can explode is
 * breadth: a hundred aliased connections, each paging up to 500 rows across provider pages. This rule refuses
 * an operation that selects more than `maxConnections` connection fields (prefetchTasks, sitePrefetchTasks, and
 * CdnSite's prefetchTasks and allPrefetchTasks), fragments included, before anything runs.
 */
export const MAX_CONNECTIONS_PER_OPERATION = 10;

const CONNECTION_FIELDS: ReadonlySet<string> = new Set([
  "prefetchTasks",
  "sitePrefetchTasks",
  "allPrefetchTasks",
]);

export function operationLimitRules(maxConnections = MAX_CONNECTIONS_PER_OPERATION): ValidationRule[] {
  return [
    (context: ValidationContext): ASTVisitor => ({
      OperationDefinition(node) {
        const connections = countConnections(context, node.selectionSet, new Set());
        if (connections > maxConnections) {
          context.reportError(
            new GraphQLError(
              `The operation selects ${connections} prefetch task connections (prefetchTasks, sitePrefetchTasks, allPrefetchTasks); the limit is ${maxConnections} per operation.`,
              { nodes: [node] },
            ),
          );
        }
      },
    }),
  ];
}

function countConnections(
  context: ValidationContext,
  set: SelectionSetNode,
  fragmentsOnPath: Set<string>,
): number {
  let count = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (CONNECTION_FIELDS.has(selection.name.value)) count++;
      if (selection.selectionSet) count += countConnections(context, selection.selectionSet, fragmentsOnPath);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countConnections(context, selection.selectionSet, fragmentsOnPath);
    } else {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      // A cycle is reported by graphql's own NoFragmentCycles rule; here it only must not recurse forever.
      if (!fragment || fragmentsOnPath.has(name)) continue;
      fragmentsOnPath.add(name);
      count += countConnections(context, fragment.selectionSet, fragmentsOnPath);
      fragmentsOnPath.delete(name);
    }
  }
  return count;
}
