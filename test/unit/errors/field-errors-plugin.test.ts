import { ApolloServer } from "@apollo/server";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { responsePathAsArray, type GraphQLResolveInfo } from "graphql";
import { UpstreamError } from "../../../src/errors/app-error";
import { fieldErrorsPlugin, reportFieldError } from "../../../src/errors/field-errors.plugin";

/** A field that answers with data and reports errors beside it, as Query.sitePrefetchTasks does. */
const schema = makeExecutableSchema({
  typeDefs: "type Query { feed(fail: Boolean!): [String!]! }",
  resolvers: {
    Query: {
      feed: (_: unknown, { fail }: { fail: boolean }, ctx: object, info: GraphQLResolveInfo) => {
        if (fail) {
          const path = responsePathAsArray(info.path);
          reportFieldError(
            ctx,
            path,
            new UpstreamError("UPSTREAM_UNAVAILABLE", "Wangsu is down.", {
              provider: "WANGSU_CDN_PRO",
              account: "eu",
            }),
          );
          reportFieldError(ctx, path, new Error("a bug with a secret in it"));
        }
        return ["a"];
      },
    },
  },
});

async function run(query: string) {
  const server = new ApolloServer({ schema, plugins: [fieldErrorsPlugin()] });
  await server.start();
  try {
    const res = await server.executeOperation({ query }, { contextValue: {} });
    if (res.body.kind !== "single") throw new Error("expected a single result");
    return res.body.singleResult;
  } finally {
    await server.stop();
  }
}

describe("fieldErrorsPlugin", () => {
  it("adds reported errors at the field beside its data, AppErrors with their code, anything else masked", async () => {
    const result = await run("{ mine: feed(fail: true) }");
    expect(result.data).toEqual({ mine: ["a"] });
    expect(result.errors).toEqual([
      {
        message: "Wangsu is down.",
        path: ["mine"],
        extensions: { code: "UPSTREAM_UNAVAILABLE", provider: "WANGSU_CDN_PRO", account: "eu" },
      },
      { message: "Internal server error", path: ["mine"], extensions: { code: "INTERNAL_SERVER_ERROR" } },
    ]);
  });

  it("adds nothing where nothing was reported", async () => {
    const result = await run("{ feed(fail: false) }");
    expect(result.errors).toBeUndefined();
  });
});
