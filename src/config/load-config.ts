import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
  type ValidationError,
} from "class-validator";
import { isProviderKind, PROVIDER_KINDS, type ProviderKind } from "../domain/provider-kind";
import { parseCorsOrigins } from "../http/cors";
import { DEFAULT_TIMEOUTS } from "../http/dispatcher";
import { PROVIDER_MODULES, providerModule } from "../providers/modules";
import type { AccountConfig, Config, SandboxMode } from "./config";
import { validationProblems } from "../errors/validation-problems";
import { ConfigError } from "./config-error";
import { loadApiKeysFile } from "./api-keys-file";

import { ACCOUNT_NAME_PATTERN } from "./account-name";
const DEFAULT_ACCOUNT = "default";

class RateLimitEntry {
  @IsInt() @Min(1) points!: number;
  @IsInt() @Min(1) @Max(86_400) durationSeconds!: number;
  // Fractions of the window; 0 would refuse every call, which is not a budget but an outage.
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(1)
  operationShare?: number;
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(1)
  callerShare?: number;
}

class AccountEntry {
  @IsString()
  @Matches(ACCOUNT_NAME_PATTERN, { message: "name must be 1-63 letters, digits, '.', '_' or '-'" })
  name!: string;
  @IsIn(PROVIDER_KINDS) provider!: string;
  @IsOptional() @IsString() endpoint?: string;
  @IsObject() credentials!: object;
  @IsOptional() @IsObject() rateLimit?: object;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The only reader of the environment and of the config file. Validates everything and throws one ConfigError
 * listing every problem; secrets' values never appear in a message.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };

  const port = intVar(str("PORT"), "PORT", 4000, 0, 65535, problems);
  const production = str("NODE_ENV") === "production";
  const sandbox = enumVar<SandboxMode>(
    str("PREFETCH_GRAPH_SANDBOX"),
    "PREFETCH_GRAPH_SANDBOX",
    ["auto", "on", "off"],
    "auto",
    problems,
  );
  const graphiqlMode = enumVar(
    str("PREFETCH_GRAPH_GRAPHIQL"),
    "PREFETCH_GRAPH_GRAPHIQL",
    ["on", "off"],
    production ? "off" : "on",
    problems,
  );
  const federatedTracing = enumVar(
    str("PREFETCH_GRAPH_FEDERATED_TRACING"),
    "PREFETCH_GRAPH_FEDERATED_TRACING",
    ["on", "off"],
    "off",
    problems,
  );
  const nodeFields = enumVar(
    str("PREFETCH_GRAPH_NODE_FIELDS"),
    "PREFETCH_GRAPH_NODE_FIELDS",
    ["on", "off"],
    "on",
    problems,
  );
  const logLevel = enumVar(
    str("LOG_LEVEL"),
    "LOG_LEVEL",
    ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
    "info",
    problems,
  );

  let cursorSecret: Buffer;
  const secret = str("PREFETCH_GRAPH_CURSOR_SECRET");
  if (secret !== undefined && secret.length < 32) {
    problems.push("PREFETCH_GRAPH_CURSOR_SECRET must be at least 32 characters long");
  }
  if (secret !== undefined) cursorSecret = Buffer.from(secret, "utf8");
  else cursorSecret = randomBytes(32);

  const responseMs = intVar(
    str("PREFETCH_GRAPH_UPSTREAM_TIMEOUT_MS"),
    "PREFETCH_GRAPH_UPSTREAM_TIMEOUT_MS",
    DEFAULT_TIMEOUTS.headersMs,
    1,
    300_000,
    problems,
  );
  const timeouts = {
    connectMs: intVar(
      str("PREFETCH_GRAPH_UPSTREAM_CONNECT_TIMEOUT_MS"),
      "PREFETCH_GRAPH_UPSTREAM_CONNECT_TIMEOUT_MS",
      DEFAULT_TIMEOUTS.connectMs,
      1,
      120_000,
      problems,
    ),
    // One knob for both: the time to the response headers, and the longest gap inside the body.
    headersMs: responseMs,
    bodyMs: responseMs,
  };
  const shutdownGraceMs = intVar(
    str("PREFETCH_GRAPH_SHUTDOWN_GRACE_MS"),
    "PREFETCH_GRAPH_SHUTDOWN_GRACE_MS",
    10_000,
    0,
    300_000,
    problems,
  );
  // Time for load balancers to take the replica out of rotation (/readyz answers 503) before the listener closes;
  // part of the grace period, so that a signal still ends the process within PREFETCH_GRAPH_SHUTDOWN_GRACE_MS.
  const shutdownDelayMs = intVar(
    str("PREFETCH_GRAPH_SHUTDOWN_DELAY_MS"),
    "PREFETCH_GRAPH_SHUTDOWN_DELAY_MS",
    0,
    0,
    120_000,
    problems,
  );
  if (shutdownDelayMs > 0 && shutdownDelayMs >= shutdownGraceMs) {
    problems.push(
      "PREFETCH_GRAPH_SHUTDOWN_DELAY_MS must be less than PREFETCH_GRAPH_SHUTDOWN_GRACE_MS (the delay is part of the grace period)",
    );
  }

  const maxUpstreamCallsPerOperation = intVar(
    str("PREFETCH_GRAPH_MAX_UPSTREAM_CALLS"),
    "PREFETCH_GRAPH_MAX_UPSTREAM_CALLS",
    200,
    1,
    100_000,
    problems,
  );

  const budgetDefaults = {
    // A tenth: no single operation (a 100-id nodes, 10 aliased connections) can spend more than 30 of Wangsu's
    // 300 calls per 5 minutes, so one careless query cannot lock an account for everyone.
    operationShare: fractionVar(
      str("PREFETCH_GRAPH_OPERATION_SHARE"),
      "PREFETCH_GRAPH_OPERATION_SHARE",
      0.1,
      problems,
    ),
    // A half: no single caller can hold an account's whole window, so at least half of it stays for everyone
    // else, while a caller alone still has five default operations' worth of it. Where every request comes
    // through one router (federation without API keys), the caller is the router's address and this share caps
    // the whole graph: set it to 1 there until API keys name the callers.
    callerShare: fractionVar(
      str("PREFETCH_GRAPH_CALLER_SHARE"),
      "PREFETCH_GRAPH_CALLER_SHARE",
      0.5,
      problems,
    ),
    // Per account: eight calls in flight plus this many waiting. Beyond it a caller learns at once that the
    // account is saturated instead of waiting out its own deadline in a line that only grows.
    upstreamQueue: intVar(
      str("PREFETCH_GRAPH_UPSTREAM_QUEUE"),
      "PREFETCH_GRAPH_UPSTREAM_QUEUE",
      64,
      0,
      10_000,
      problems,
    ),
  };

  const operationTimeoutMs = intVar(
    str("PREFETCH_GRAPH_OPERATION_TIMEOUT_MS"),
    "PREFETCH_GRAPH_OPERATION_TIMEOUT_MS",
    15_000,
    100,
    300_000,
    problems,
  );
  // A minute at most: a "fresh" answer older than that is a cache by another name, and the budget has other guards.
  const freshnessMs = intVar(
    str("PREFETCH_GRAPH_FRESHNESS_MS"),
    "PREFETCH_GRAPH_FRESHNESS_MS",
    5_000,
    0,
    60_000,
    problems,
  );
  // Each subscription watches up to 100 tasks: 20 per connection is 2,000 tasks, beyond any one page's needs;
  // 100 per caller bounds what one API key (or address) can keep the pollers busy with.
  const subscriptionLimits = {
    perConnection: intVar(
      str("PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CONNECTION"),
      "PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CONNECTION",
      20,
      1,
      1_000,
      problems,
    ),
    perCaller: intVar(
      str("PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CALLER"),
      "PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CALLER",
      100,
      1,
      100_000,
      problems,
    ),
    // As many connections as subscriptions per caller: a router may open one subgraph connection per subscription
    // (Hive Router documents it; UNCONFIRMED for Apollo Router).
    connectionsPerCaller: intVar(
      str("PREFETCH_GRAPH_WS_CONNECTIONS_PER_CALLER"),
      "PREFETCH_GRAPH_WS_CONNECTIONS_PER_CALLER",
      100,
      1,
      100_000,
      problems,
    ),
    connectionsPerProcess: intVar(
      str("PREFETCH_GRAPH_WS_CONNECTIONS_PER_PROCESS"),
      "PREFETCH_GRAPH_WS_CONNECTIONS_PER_PROCESS",
      1_000,
      1,
      1_000_000,
      problems,
    ),
    // Ten full subscriptions per caller, a hundred per process: each watched task is a poller, a timer and a task.
    watchedTasksPerCaller: intVar(
      str("PREFETCH_GRAPH_SUBSCRIPTION_TASKS_PER_CALLER"),
      "PREFETCH_GRAPH_SUBSCRIPTION_TASKS_PER_CALLER",
      1_000,
      1,
      1_000_000,
      problems,
    ),
    watchedTasksPerProcess: intVar(
      str("PREFETCH_GRAPH_SUBSCRIPTION_TASKS_PER_PROCESS"),
      "PREFETCH_GRAPH_SUBSCRIPTION_TASKS_PER_PROCESS",
      10_000,
      1,
      10_000_000,
      problems,
    ),
    idleTimeoutMs: intVar(
      str("PREFETCH_GRAPH_WS_IDLE_TIMEOUT_MS"),
      "PREFETCH_GRAPH_WS_IDLE_TIMEOUT_MS",
      60_000,
      100,
      3_600_000,
      problems,
    ),
  };
  const taskCacheMb = intVar(
    str("PREFETCH_GRAPH_TASK_CACHE_MB"),
    "PREFETCH_GRAPH_TASK_CACHE_MB",
    32,
    1,
    4_096,
    problems,
  );

  const accounts: AccountConfig[] = [];
  for (const module of PROVIDER_MODULES) {
    const fromEnv = envAccount(module.kind, env, str, problems);
    if (fromEnv) accounts.push(fromEnv);
  }
  const redisUrl = redisUrlVar(str("PREFETCH_GRAPH_REDIS_URL"), problems);

  const configFile = str("PREFETCH_GRAPH_CONFIG") ?? null;
  if (configFile !== null) accounts.push(...fileAccounts(configFile, problems));

  const apiKeysFile = str("PREFETCH_GRAPH_API_KEYS");
  const apiKeys = apiKeysFile === undefined ? null : loadApiKeysFile(apiKeysFile, problems);
  const cors = parseCorsOrigins(str("PREFETCH_GRAPH_CORS_ORIGINS"), { apiKeys: apiKeysFile !== undefined });
  problems.push(...cors.problems);

  const seen = new Set<string>();
  for (const a of accounts) {
    const key = `${a.provider}/${a.name}`;
    if (seen.has(key))
      problems.push(
        `account "${a.name}" of ${a.provider} is configured twice (env and config file, or twice in the file)`,
      );
    seen.add(key);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host: str("HOST") ?? "0.0.0.0",
    production,
    logLevel,
    sandbox,
    cursorSecret,
    cursorSecretGenerated: secret === undefined,
    graphiql: graphiqlMode === "on",
    introspection: graphiqlMode === "on",
    federatedTracing: federatedTracing === "on",
    nodeFields: nodeFields === "on",
    accounts,
    timeouts,
    shutdownGraceMs,
    shutdownDelayMs,
    maxUpstreamCallsPerOperation,
    budgetDefaults,
    operationTimeoutMs,
    freshnessMs,
    taskCacheBytes: taskCacheMb * 1024 * 1024,
    redisUrl,
    apiKeys,
    corsOrigins: cors.origins,
    subscriptionLimits,
    configFile,
  };
}

/** The single-account set-up from a provider's env variables; all of its credential variables or none. */
function envAccount(
  kind: ProviderKind,
  env: Env,
  str: (name: string) => string | undefined,
  problems: string[],
): AccountConfig | null {
  const module = providerModule(kind);
  const vars = Object.entries(module.env.credentials) as [string, string][];
  const present = vars.filter(([, v]) => str(v) !== undefined);
  if (present.length === 0) {
    // An endpoint without credentials is a half-done set-up (often a misspelt variable), not "no account".
    if (str(module.env.endpoint) !== undefined) {
      problems.push(`${module.env.endpoint} is set but ${vars.map(([, v]) => v).join(" and ")} are not`);
    }
    return null;
  }
  if (present.length < vars.length) {
    const missing = vars.filter(([, v]) => str(v) === undefined).map(([, v]) => v);
    problems.push(`${missing.join(", ")} must be set together with ${present.map(([, v]) => v).join(", ")}`);
    return null;
  }
  const raw = Object.fromEntries(vars.map(([field, v]) => [field, env[v]?.trim()]));
  const endpoint = validEndpoint(
    str(module.env.endpoint) ?? module.defaultEndpoint,
    module.env.endpoint,
    problems,
  );
  const credentials = validCredentials(kind, raw, `${kind} credentials from env`, problems);
  if (endpoint === null || credentials === null) return null;
  return { name: DEFAULT_ACCOUNT, provider: kind, endpoint, credentials };
}

function fileAccounts(path: string, problems: string[]): AccountConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    const reason = err instanceof SyntaxError ? "is not valid JSON" : "cannot be read";
    problems.push(`PREFETCH_GRAPH_CONFIG: the file ${reason}`);
    return [];
  }
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    !Array.isArray((parsed as { accounts?: unknown }).accounts)
  ) {
    problems.push('PREFETCH_GRAPH_CONFIG: the file must be a JSON object with an "accounts" array');
    return [];
  }
  const out: AccountConfig[] = [];
  const entries = (parsed as { accounts: unknown[] }).accounts;
  entries.forEach((rawEntry, i) => {
    const where = `PREFETCH_GRAPH_CONFIG accounts[${i}]`;
    if (typeof rawEntry !== "object" || rawEntry === null) {
      problems.push(`${where} must be an object`);
      return;
    }
    const entry = Object.assign(new AccountEntry(), rawEntry);
    const errors = validateSync(entry, { whitelist: true, forbidNonWhitelisted: true });
    problems.push(...flatten(errors).map((m) => `${where}: ${m}`));
    // Every part is checked even when another is wrong, so that one run reports every problem.
    const kind = isProviderKind(entry.provider) ? entry.provider : null;
    const module = kind ? providerModule(kind) : null;
    const endpoint =
      module && (entry.endpoint === undefined || typeof entry.endpoint === "string")
        ? validEndpoint(entry.endpoint ?? module.defaultEndpoint, `${where}.endpoint`, problems)
        : null;
    const credentials =
      kind && typeof entry.credentials === "object" && entry.credentials !== null
        ? validCredentials(kind, entry.credentials, `${where}.credentials`, problems)
        : null;
    let rateLimit: AccountConfig["rateLimit"];
    if (typeof entry.rateLimit === "object" && entry.rateLimit !== null) {
      const rl = Object.assign(new RateLimitEntry(), entry.rateLimit);
      const rlErrors = validateSync(rl, { whitelist: true, forbidNonWhitelisted: true });
      if (rlErrors.length > 0) problems.push(...flatten(rlErrors).map((m) => `${where}.rateLimit: ${m}`));
      else
        rateLimit = {
          points: rl.points,
          durationSeconds: rl.durationSeconds,
          ...(rl.operationShare !== undefined ? { operationShare: rl.operationShare } : {}),
          ...(rl.callerShare !== undefined ? { callerShare: rl.callerShare } : {}),
        };
    }
    if (errors.length > 0 || kind === null) return;
    if (endpoint === null || credentials === null) return;
    out.push({
      name: entry.name,
      provider: kind,
      endpoint,
      credentials,
      ...(rateLimit ? { rateLimit } : {}),
    });
  });
  return out;
}

function validCredentials(kind: ProviderKind, raw: object, where: string, problems: string[]): object | null {
  const instance = Object.assign(new (providerModule(kind).credentialsClass)(), raw);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length === 0) return instance;
  problems.push(...flatten(errors).map((m) => `${where}: ${m}`));
  return null;
}

/** scheme://host[:port] only: a path would silently change every signed request. */
function validEndpoint(value: string, name: string, problems: string[]): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name} must be a URL such as https://host[:port]`);
    return null;
  }
  if (
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    (url.pathname !== "/" && url.pathname !== "") ||
    url.search ||
    url.username ||
    url.password
  ) {
    problems.push(`${name} must be scheme://host[:port] with no path, query or user info`);
    return null;
  }
  return url.origin;
}

/** class-validator's messages name the property and the rule, never the offending value. */
/** "path: message", without repeating the path where class-validator's message already starts with it. */
function flatten(errors: readonly ValidationError[]): string[] {
  return validationProblems(errors).map(({ path, property, message }) => {
    return message.startsWith(property) || message.startsWith(`property ${property}`)
      ? message.replace(/^property /, "")
      : `${path}: ${message}`;
  });
}

/** redis:// or rediss:// (TLS), with optional user, password, port and database number. */
function redisUrlVar(value: string | undefined, problems: string[]): string | null {
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push("PREFETCH_GRAPH_REDIS_URL must be a URL such as redis://host:6379/0");
    return null;
  }
  if ((url.protocol !== "redis:" && url.protocol !== "rediss:") || !/^\/?\d*$/.test(url.pathname)) {
    problems.push("PREFETCH_GRAPH_REDIS_URL must be redis:// or rediss://host[:port][/db]");
    return null;
  }
  return value;
}

function intVar(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

/** A fraction in (0, 1]: a share of something, never none of it. */
function fractionVar(value: string | undefined, name: string, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1) {
    problems.push(`${name} must be a number greater than 0 and at most 1`);
    return fallback;
  }
  return n;
}

function enumVar<T extends string>(
  value: string | undefined,
  name: string,
  allowed: readonly T[],
  fallback: T,
  problems: string[],
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${name} must be one of ${allowed.join(", ")}`);
  return fallback;
}
