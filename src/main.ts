import "reflect-metadata";
import { constants } from "node:os";
import { createApp } from "./app";
import { loadConfig } from "./config/load-config";
import { ConfigError } from "./config/config-error";
import { configuredSecrets, sandboxApplies } from "./config/config";
import { createLogger } from "./logger";
import { GRAPHQL_PATH } from "./server";

/** Process entry: config, sandbox when it applies, listen, drain on SIGTERM or SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, { secrets: configuredSecrets(config) });
  if (config.cursorSecretGenerated) {
    logger.warn(
      "PREFETCH_GRAPH_CURSOR_SECRET is not set: cursors are signed with a random per-process key and die with the process (and differ between replicas)",
    );
  }
  const app = await createApp(config, { logger, processMetrics: true });
  const address = await app.server.listen(config.port, config.host);

  // Installed before the "serving" line, so that a signal sent on seeing it is handled. The first SIGTERM or
  // SIGINT stops gracefully, within the grace period whatever happens. A second one (Ctrl-C again, an impatient
  // supervisor) exits at once, with 128 + the signal's number, as a shell reports a process the signal killed.
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting at once, without finishing the shutdown");
      process.exit(128 + constants.signals[signal]);
    }
    stopping = true;
    logger.info(
      { signal, graceMs: config.shutdownGraceMs, delayMs: config.shutdownDelayMs },
      "shutting down: finishing in-flight operations",
    );
    // app.close() keeps within the grace period; this is for what it cannot bound (a Redis that never answers).
    setTimeout(() => {
      logger.warn(
        { graceMs: config.shutdownGraceMs },
        "shutdown grace period over: exiting before closing finished",
      );
      process.exit(0);
    }, config.shutdownGraceMs).unref();
    app.close().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  const base = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${address.port}`;
  if (sandboxApplies(config)) {
    logger.info(
      {
        accounts: app.sandbox?.accounts.map((a) => ({
          provider: a.provider,
          name: a.name,
          endpoint: a.endpoint,
        })),
      },
      config.accounts.length === 0
        ? "no provider credentials configured: serving the built-in sandbox providers"
        : "PREFETCH_GRAPH_SANDBOX=on: serving the built-in sandbox providers beside the configured accounts",
    );
  }
  if (app.registry.providers.length === 0) {
    logger.warn(
      "no provider account is configured and the sandbox is off (NODE_ENV=production, or PREFETCH_GRAPH_SANDBOX=off): every provider query will fail with ACCOUNT_NOT_CONFIGURED",
    );
  }
  logger.info(
    { accounts: app.registry.accounts, graphiql: config.graphiql, introspection: config.introspection },
    `prefetch-graph serving ${base}${GRAPHQL_PATH}${config.graphiql ? ` (GraphiQL at ${base}/graphiql)` : ""}`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `prefetch-graph failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
