import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from "graphql";
import { buildAppSchema } from "../../../src/schema";

/**
 * Docs a newcomer can live in (issue 10): every type, field, argument and enum value of the public schema has a
 * description, and so does the schema itself. Federation's own additions, introspection types and the built-in
 * scalars are not ours to describe.
 */
const FEDERATION_TYPES = new Set(["_Service", "_Entity", "_Any"]);
const FEDERATION_FIELDS = new Set(["Query._service", "Query._entities"]);

function isOurs(type: GraphQLNamedType): boolean {
  const { name } = type;
  return !(
    isIntrospectionType(type) ||
    isSpecifiedScalarType(type) ||
    FEDERATION_TYPES.has(name) ||
    name.startsWith("link__") ||
    name.startsWith("federation__")
  );
}

function described(description: string | null | undefined): boolean {
  return typeof description === "string" && description.trim() !== "";
}

/** Schema coordinates (Type, Type.field, Type.field(arg:), Enum.VALUE) of everything without a description. */
export function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap()).filter(isOurs)) {
    if (!described(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        if (FEDERATION_FIELDS.has(coordinate)) continue;
        if (!described(field.description)) missing.push(coordinate);
        for (const arg of field.args) {
          if (!described(arg.description)) missing.push(`${coordinate}(${arg.name}:)`);
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (!described(value.description)) missing.push(`${type.name}.${value.name}`);
      }
    }
  }
  return missing;
}

describe("the public schema's descriptions", () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildAppSchema();
  });

  it("describe every type, field, argument and enum value", () => {
    expect(undescribed(schema)).toEqual([]);
  });

  it("include one of the schema itself", () => {
    expect(described(schema.description)).toBe(true);
  });

  it("leave out only federation's own types and fields, introspection and the built-in scalars", () => {
    // The filter must not hide our types: every type the SDL declares is checked.
    const checked = Object.values(schema.getTypeMap())
      .filter(isOurs)
      .map((t) => t.name);
    expect(checked).toEqual(
      expect.arrayContaining(["Query", "PrefetchTask", "ProviderKind", "PrefetchStatus", "DateTime", "Node"]),
    );
  });
});
