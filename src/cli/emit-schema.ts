import "reflect-metadata";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildAppSchema, printAppSchema } from "../schema";

/** `npm run schema`: writes the subgraph SDL that CI checks against the code. */
async function main(): Promise<void> {
  const target = join(__dirname, "..", "..", "schema", "prefetch-graph.graphql");
  writeFileSync(target, printAppSchema(await buildAppSchema()));
  process.stdout.write(`wrote ${target}\n`);
}

void main();
