import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const ROOT = join(__dirname, "..", "..");

/**
 * Compiles src/ the way `npm run build` does, into a fresh folder under the git-ignored test-output/, for tests
 * that run the real process. Returns the folder holding main.js.
 */
export async function buildMain(): Promise<string> {
  mkdirSync(join(ROOT, "test-output"), { recursive: true });
  // Inside the repository, so the compiled files resolve node_modules as dist/ does.
  const outDir = mkdtempSync(join(ROOT, "test-output", "build-"));
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  try {
    await promisify(execFile)(
      process.execPath,
      [tsc, "-p", "tsconfig.build.json", "--outDir", outDir, "--sourceMap", "false"],
      { cwd: ROOT, timeout: 90_000 },
    );
  } catch (err) {
    // tsc still emits on type errors, which `npm run typecheck` reports; only a missing entry point stops us.
    if (!existsSync(join(outDir, "main.js"))) throw err;
  }
  return outDir;
}

export { ROOT };

/**
 * For a describe block (or file) that runs the real process: builds main.js once before its tests and removes
 * the build after them. Returns a getter for the build folder.
 */
export function useBuiltMain(): () => string {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await buildMain();
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error("main.js is built in beforeAll");
    return dir;
  };
}
