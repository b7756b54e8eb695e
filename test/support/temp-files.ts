import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dirs: string[] = [];

/** Writes a file into a fresh temporary folder; every such folder is removed after the test file. */
export function writeTempFile(name: string, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "prefetch-graph-"));
  dirs.push(dir);
  const file = join(dir, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
