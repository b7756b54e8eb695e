import { loadConfig } from "../../../src/config/load-config";
import { problemsOf } from "../../support/config-problems";

describe("the subscription limits in the configuration", () => {
  it("default to bounds on connections, subscriptions, watched tasks and idle connections", () => {
    expect(loadConfig({}).subscriptionLimits).toEqual({
      perConnection: 20,
      perCaller: 100,
      connectionsPerCaller: 100,
      connectionsPerProcess: 1_000,
      watchedTasksPerCaller: 1_000,
      watchedTasksPerProcess: 10_000,
      idleTimeoutMs: 60_000,
    });
  });

  it("are read from their PREFETCH_GRAPH_SUBSCRIPTION(S)_* and PREFETCH_GRAPH_WS_* variables", () => {
    const config = loadConfig({
      PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CONNECTION: "3",
      PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CALLER: "7",
      PREFETCH_GRAPH_WS_CONNECTIONS_PER_CALLER: "4",
      PREFETCH_GRAPH_WS_CONNECTIONS_PER_PROCESS: "50",
      PREFETCH_GRAPH_SUBSCRIPTION_TASKS_PER_CALLER: "300",
      PREFETCH_GRAPH_SUBSCRIPTION_TASKS_PER_PROCESS: "2000",
      PREFETCH_GRAPH_WS_IDLE_TIMEOUT_MS: "15000",
    });
    expect(config.subscriptionLimits).toEqual({
      perConnection: 3,
      perCaller: 7,
      connectionsPerCaller: 4,
      connectionsPerProcess: 50,
      watchedTasksPerCaller: 300,
      watchedTasksPerProcess: 2_000,
      idleTimeoutMs: 15_000,
    });
  });

  it("refuse values that would allow none or no bound, listing them all at once", () => {
    expect(
      problemsOf({
        PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CONNECTION: "0",
        PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CALLER: "lots",
        PREFETCH_GRAPH_WS_CONNECTIONS_PER_CALLER: "0",
        PREFETCH_GRAPH_WS_CONNECTIONS_PER_PROCESS: "-1",
        PREFETCH_GRAPH_SUBSCRIPTION_TASKS_PER_CALLER: "1.5",
        PREFETCH_GRAPH_SUBSCRIPTION_TASKS_PER_PROCESS: "0",
        PREFETCH_GRAPH_WS_IDLE_TIMEOUT_MS: "0",
      }),
    ).toEqual([
      "PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CONNECTION must be an integer from 1 to 1000",
      "PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CALLER must be an integer from 1 to 100000",
      "PREFETCH_GRAPH_WS_CONNECTIONS_PER_CALLER must be an integer from 1 to 100000",
      "PREFETCH_GRAPH_WS_CONNECTIONS_PER_PROCESS must be an integer from 1 to 1000000",
      "PREFETCH_GRAPH_SUBSCRIPTION_TASKS_PER_CALLER must be an integer from 1 to 1000000",
      "PREFETCH_GRAPH_SUBSCRIPTION_TASKS_PER_PROCESS must be an integer from 1 to 10000000",
      "PREFETCH_GRAPH_WS_IDLE_TIMEOUT_MS must be an integer from 100 to 3600000",
    ]);
  });
});
