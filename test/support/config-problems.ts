import { ConfigError } from "../../src/config/config-error";
import { loadConfig } from "../../src/config/load-config";

/** The problems loadConfig lists for `env`; fails the test where it lists none. */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error("expected a ConfigError");
}
