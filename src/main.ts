import "reflect-metadata";
import { createApp } from "./app";
import { loadConfig } from "./config/load-config";
import { ConfigError } from "./config/config-error";
import { sandboxApplies } from "./config/config";
import { createLogger } from "./logger";
import { GRAPHQL_PATH } from "./server";

/** Process entry: config, sandbox when it applies, listen, drain on SIGTERM. */
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
  const logger = createLogger(config.logLevel);
  if (config.cursorSecretGenerated) {
    logger.warn(
      "PREFETCH_GRAPH_CURSOR_SECRET is not set: cursors are signed with a random per-process key and die with the process (and differ between replicas)",
    );
  }
  const app = await createApp(config, { logger });
  const address = await app.server.listen(config.port, config.host);
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

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down: finishing in-flight operations");
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
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `prefetch-graph failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
