import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildAppSchema, printAppSchema } from "../../../src/schema";

const committed = join(__dirname, "..", "..", "..", "schema", "prefetch-graph.graphql");

describe("the committed subgraph SDL", () => {
  it("is what the code builds (run `npm run schema` after changing the schema)", async () => {
    const printed = printAppSchema(await buildAppSchema());
    expect(readFileSync(committed, "utf8")).toBe(printed);
  });
});
