import { GraphQLScalarType } from "graphql";
import { DateTimeResolver } from "graphql-scalars";
import { formatUtc } from "./utc-format";

/**
 * graphql-scalars' RFC 3339 parsing, but always rendered as a UTC string with a trailing Z (its own serialize
 * hands a Date to the JSON encoder, which happens to agree, but the contract should not rest on that).
 */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  ...DateTimeResolver.toConfig(),
  name: "DateTime",
  description: "An RFC 3339 date-time, always rendered in UTC with a trailing Z.",
  serialize(value: unknown): string {
    // Resolvers hand out valid Dates: rendered directly, once per timestamp field of every row.
    if (value instanceof Date && !Number.isNaN(value.getTime())) return formatUtc(value);
    return formatUtc(DateTimeResolver.serialize(value));
  },
});
