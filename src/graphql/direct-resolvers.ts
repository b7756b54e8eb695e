import type { GraphQLResolveInfo, GraphQLTypeResolver } from "graphql";
import { GraphQLScalarType } from "graphql";
import { getMetadataStorage, type BuildSchemaOptions } from "type-graphql";

/**
 * type-graphql stays the schema's source of truth: the decorated classes declare every type, field and argument,
 * and the decorated methods are the resolvers. What this module changes is only how those methods are called.
 *
 * type-graphql wraps every resolver it builds, and on the hot path of a page (about 1,800 field resolutions for
 * 100 tasks) the wrappers cost more than the work: a plain property is read through a middleware dispatcher; a
 * field resolver re-sorts its parameter list on every call and runs each @Arg through an `async` validation
 * (class-validator checks only objects), so every field with an argument takes graphql-js's promise path; a
 * union's or interface's type resolver is wrapped `async` as well. With no middlewares, auth checks or validated
 * input objects involved, none of that does anything, so:
 *
 * - a field that is a plain property of its object gets no resolver (graphql's default reads the property);
 * - a field resolver whose parameters are all @Root, @Ctx, @Info or an @Arg of a scalar or enum type is called
 *   directly, with its parameters laid out once at build time; it may return a value or a promise;
 * - a union's or interface's resolveType is called directly and answers synchronously when it does.
 *
 * Anything else (an @Args class, which class-validator validates; a middleware; a role) keeps type-graphql's
 * resolver. Applied to the map createResolversMap gives, before buildSubgraphSchema builds the final schema.
 */

type ResolverMap = Record<string, Record<string, unknown> | GraphQLScalarType | undefined>;
type Storage = ReturnType<typeof getMetadataStorage>;
type FieldResolverMetadata = Storage["fieldResolvers"][number];
type ParamMetadata = NonNullable<FieldResolverMetadata["params"]>[number];

/** A field resolver as graphql-js calls it; also how one parameter is taken from those four. */
type Resolve = (
  source: unknown,
  args: Record<string, unknown>,
  ctx: unknown,
  info: GraphQLResolveInfo,
) => unknown;

/**
 * Rewrites `resolvers` (createResolversMap of the schema buildSchema made with `options`) in place, as above.
 * Options type-graphql applies inside its wrappers (global middlewares, an auth checker, a container, a
 * validation function) would be skipped by a direct call: with any of them, nothing is rewritten.
 */
export function useDirectResolvers(resolvers: ResolverMap, options: BuildSchemaOptions): void {
  const storage = getMetadataStorage();
  if (
    (options.globalMiddlewares?.length ?? 0) > 0 ||
    options.authChecker !== undefined ||
    options.container !== undefined ||
    options.validateFn !== undefined ||
    storage.middlewares.length > 0 ||
    storage.authorizedFields.length > 0 ||
    storage.authorizedResolver.length > 0
  ) {
    return;
  }
  const resolverClasses: readonly unknown[] = options.resolvers;
  const typeNames = new Map<unknown, string>();
  for (const t of [...storage.objectTypes, ...storage.interfaceTypes]) typeNames.set(t.target, t.name);
  const instances = new Map<unknown, object>();

  for (const objectType of storage.objectTypes) {
    const map = resolvers[objectType.name];
    if (map === undefined || map instanceof GraphQLScalarType) continue;
    const interfaces = storage.interfaceTypes.filter((i) => objectType.interfaceClasses?.includes(i.target));
    // Every field resolver that may serve a field of this type: declared for the type or one of its interfaces,
    // or on the class itself (a getter or method, type-graphql's "internal" kind).
    const candidates = storage.fieldResolvers.filter((r) => {
      const owner = r.getObjectType?.();
      return (
        owner === objectType.target ||
        interfaces.some((i) => i.target === owner) ||
        r.target === objectType.target
      );
    });
    for (const field of [...interfaces.flatMap((i) => i.fields ?? []), ...(objectType.fields ?? [])]) {
      const plain = (field.middlewares?.length ?? 0) === 0 && (field.roles?.length ?? 0) === 0;
      const found = candidates.filter((r) => r.methodName === field.name);
      if (found.length === 0) {
        // A property: graphql's default resolver reads it by the field's schema name, so only where that is it.
        if (plain && field.name === field.schemaName) delete map[field.schemaName];
        continue;
      }
      const [resolver] = found;
      // Only a method of one of the resolver classes, declared for this very type, is called directly; an
      // internal one is called on a copy of the root made into the class (convertToType), which stays.
      if (
        found.length === 1 &&
        resolver !== undefined &&
        resolver.kind === "external" &&
        resolverClasses.includes(resolver.target) &&
        resolver.getObjectType?.() === objectType.target
      ) {
        // Where a direct call would skip something type-graphql does, its resolver stays.
        const direct = directResolver(resolver, storage, instances);
        if (direct !== null) map[field.schemaName] = direct;
      }
    }
  }

  for (const abstract of [...storage.unions, ...storage.interfaceTypes]) {
    const map = resolvers[abstract.name];
    const resolveType = abstract.resolveType;
    if (map === undefined || map instanceof GraphQLScalarType || resolveType === undefined) continue;
    const named: GraphQLTypeResolver<unknown, unknown> = (value, ctx, info, type) => {
      const answer = resolveType(value, ctx, info, type) as unknown;
      return answer instanceof Promise
        ? answer.then((a) => typeName(a, typeNames))
        : typeName(answer, typeNames);
    };
    map.__resolveType = named;
  }
}

/** A resolver type-graphql's resolveType may answer with (a name or a decorated class) as the type's name. */
function typeName(answer: unknown, names: ReadonlyMap<unknown, string>): string | undefined {
  if (typeof answer === "string") return answer;
  return typeof answer === "function" ? names.get(answer) : undefined;
}

/** The direct call of one field resolver, or null where it keeps type-graphql's wrapper. */
function directResolver(
  resolver: FieldResolverMetadata,
  storage: Storage,
  instances: Map<unknown, object>,
): Resolve | null {
  if ((resolver.middlewares?.length ?? 0) > 0 || (resolver.roles?.length ?? 0) > 0) return null;
  const params = [...(resolver.params ?? [])].sort((a, b) => a.index - b.index);
  const sources: Resolve[] = [];
  for (const param of params) {
    const source = paramSource(param, storage);
    if (source === null) return null;
    sources.push(source);
  }
  const target = resolver.target as new () => object;
  if (target.length > 0) return null; // constructor arguments: type-graphql's container builds it
  // One instance per resolver class, as type-graphql's default container keeps; the classes hold no state.
  let instance = instances.get(target);
  if (instance === undefined) instances.set(target, (instance = new target()));
  const method = (instance as Record<string, unknown>)[resolver.methodName];
  if (typeof method !== "function") return null;
  const self = instance;
  const call = method as (...args: unknown[]) => unknown;

  // Unrolled for the shapes in use, so that the hot path builds no argument array.
  const [a, b, c] = sources;
  switch (sources.length) {
    case 0:
      return () => call.call(self);
    case 1:
      return (s, args, ctx, info) => call.call(self, a!(s, args, ctx, info));
    case 2:
      return (s, args, ctx, info) => call.call(self, a!(s, args, ctx, info), b!(s, args, ctx, info));
    case 3:
      return (s, args, ctx, info) =>
        call.call(self, a!(s, args, ctx, info), b!(s, args, ctx, info), c!(s, args, ctx, info));
    default:
      return (s, args, ctx, info) =>
        call.apply(
          self,
          sources.map((p) => p(s, args, ctx, info)),
        );
  }
}

/** How a parameter is taken from graphql-js's four arguments; null where type-graphql would convert or validate it. */
function paramSource(param: ParamMetadata, storage: Storage): Resolve | null {
  switch (param.kind) {
    case "root": {
      if (param.getType !== undefined) return null; // @Root with a type to convert to
      const property = param.propertyName;
      return property === undefined ? (s) => s : (s) => (s as Record<string, unknown>)[property];
    }
    case "context": {
      const property = param.propertyName;
      return property === undefined
        ? (_s, _a, ctx) => ctx
        : (_s, _a, ctx) => (ctx as Record<string, unknown>)[property];
    }
    case "info":
      return (_s, _a, _c, info) => info;
    case "arg": {
      if (param.validateFn !== undefined || param.validateSettings !== undefined) return null;
      if (!isLeafType(param.getType(), storage)) return null; // an input object: converted and validated
      const name = param.name;
      return (_s, args) => args[name];
    }
    default:
      return null; // @Args, @PubSub, custom decorators
  }
}

/** Scalars and enums arrive from graphql-js as they are; only input objects are converted and validated. */
function isLeafType(type: unknown, storage: Storage): boolean {
  if (type instanceof GraphQLScalarType) return true;
  if (type === String || type === Number || type === Boolean || type === Date) return true;
  return storage.enums.some((e) => e.enumObj === type);
}
