import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ProviderKind } from "../domain/provider-kind";
import type { UpstreamObserver } from "../http/upstream-http";
import type { AccountObservers, ProviderRegistry } from "../providers/registry";
import type { ReuseKind } from "../reuse/reusing-provider";

const PREFIX = "prefetch_graph_";

/** Client-chosen operation names kept as label values; later ones are counted as "other". */
const MAX_OPERATION_NAMES = 100;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** Longest a scrape waits for one account's budget (a Redis read where replicas share budgets). */
const BUDGET_READ_TIMEOUT_MS = 1_000;

/** What the subscription gauges read. */
export interface SubscriptionCounts {
  readonly connections: number;
  readonly subscriptions: number;
  readonly watchedTasks: number;
  readonly pollers: number;
}

export interface AppMetricsOptions {
  /** Node's process metrics (CPU, memory, event loop lag, GC) beside the service's; once per process. */
  readonly processMetrics?: boolean;
}

/**
 * The Prometheus metrics of one app, in a registry of its own rather than prom-client's global one, so that
 * several apps (tests) can run in one process. Observed where the facts are known: the upstream HTTP wrapper
 * (calls, attempt latency), the reuse layer (hits, misses), the operation plugin (duration, error codes); budgets
 * and wait queues are read when scraped.
 */
export class AppMetrics {
  readonly registry = new Registry();
  private readonly upstreamCalls: Counter<"provider" | "account" | "outcome">;
  private readonly upstreamAttempts: Histogram<"provider" | "account" | "status">;
  private readonly cacheHits: Counter<"provider" | "account" | "item" | "kind">;
  private readonly cacheMisses: Counter<"provider" | "account" | "item">;
  private readonly operationDuration: Histogram<"operation">;
  private readonly operationErrors: Counter<"operation" | "code">;
  private readonly operationNames = new Set<string>();
  private budgets: ProviderRegistry | null = null;
  private subscriptions: (() => SubscriptionCounts) | null = null;

  constructor(options: AppMetricsOptions = {}) {
    const registers = [this.registry];
    this.upstreamCalls = new Counter({
      name: `${PREFIX}upstream_calls_total`,
      help: 'Upstream calls by how they ended, retries included in one call: "ok", the error code, or "abandoned"/"deadline" where their operation stopped them.',
      labelNames: ["provider", "account", "outcome"],
      registers,
    });
    this.upstreamAttempts = new Histogram({
      name: `${PREFIX}upstream_attempt_duration_seconds`,
      help: 'Time of each HTTP request sent upstream, from sending to the whole body, by status class ("2xx".."5xx") or "timeout", "error", "aborted".',
      labelNames: ["provider", "account", "status"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.cacheHits = new Counter({
      name: `${PREFIX}cache_hits_total`,
      help: "List pages and tasks answered from reuse, by kind: final (a finished task kept), fresh (a recent answer), joined (a call in flight).",
      labelNames: ["provider", "account", "item", "kind"],
      registers,
    });
    this.cacheMisses = new Counter({
      name: `${PREFIX}cache_misses_total`,
      help: "List pages and tasks asked of the provider because no reuse could answer them.",
      labelNames: ["provider", "account", "item"],
      registers,
    });
    this.operationDuration = new Histogram({
      name: `${PREFIX}operation_duration_seconds`,
      help: 'GraphQL operations by name ("anonymous"; "other" past the first 100 names) and how long they took.',
      labelNames: ["operation"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.operationErrors = new Counter({
      name: `${PREFIX}operation_errors_total`,
      help: "Errors in GraphQL responses, by operation and extensions.code.",
      labelNames: ["operation", "code"],
      registers,
    });
    const budgets = (): ProviderRegistry | null => this.budgets;
    new Gauge({
      name: `${PREFIX}budget_remaining`,
      help: "Calls left in the account's current rate-budget window (shared by the replicas with Redis); absent for an account without a budget.",
      labelNames: ["provider", "account"],
      registers,
      async collect() {
        this.reset();
        const registry = budgets();
        if (registry === null) return;
        const statuses = await Promise.all(
          registry.providers.map((p) => withTimeout(registry.budgetStatus(p.kind, p.account.name))),
        );
        registry.providers.forEach((p, i) => {
          const status = statuses[i];
          if (status) this.set({ provider: p.kind, account: p.account.name }, status.remaining);
        });
      },
    });
    new Gauge({
      name: `${PREFIX}upstream_queue_depth`,
      help: "Calls of the account waiting for its rate budget or a connection slot, in this process.",
      labelNames: ["provider", "account"],
      registers,
      collect() {
        this.reset();
        const registry = budgets();
        if (registry === null) return;
        for (const p of registry.providers) {
          const depth = registry.queueDepth(p.kind, p.account.name);
          if (depth !== null) this.set({ provider: p.kind, account: p.account.name }, depth);
        }
      },
    });
    const subscriptions = (): SubscriptionCounts | null => this.subscriptions?.() ?? null;
    new Gauge({
      name: `${PREFIX}ws_connections_active`,
      help: "Open WebSocket connections (subscriptions' transport) in this process, those still in their handshake included.",
      registers,
      collect() {
        this.set(subscriptions()?.connections ?? 0);
      },
    });
    new Gauge({
      name: `${PREFIX}watched_tasks_active`,
      help: "Tasks watched by live subscriptions in this process, each counted once per subscription watching it.",
      registers,
      collect() {
        this.set(subscriptions()?.watchedTasks ?? 0);
      },
    });
    new Gauge({
      name: `${PREFIX}subscriptions_active`,
      help: "Live subscriptions (prefetchTaskUpdates over WebSocket) in this process.",
      registers,
      collect() {
        this.set(subscriptions()?.subscriptions ?? 0);
      },
    });
    new Gauge({
      name: `${PREFIX}task_pollers_active`,
      help: "Tasks polled for subscriptions in this process: one poller per task, whatever its number of watchers.",
      registers,
      collect() {
        this.set(subscriptions()?.pollers ?? 0);
      },
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
  }

  /** The registry whose accounts' budgets and queues are read at each scrape. */
  watchBudgets(registry: ProviderRegistry): void {
    this.budgets = registry;
  }

  /** Where the live subscriptions and task pollers are counted, read at each scrape. */
  watchSubscriptions(counts: () => SubscriptionCounts): void {
    this.subscriptions = counts;
  }

  /** One account's observers, with its labels bound once. */
  forAccount(provider: ProviderKind, account: string): AccountObservers {
    const calls = this.upstreamCalls;
    const attempts = this.upstreamAttempts;
    const hits = this.cacheHits;
    const misses = this.cacheMisses;
    const upstream: UpstreamObserver = {
      call: (outcome) => calls.inc({ provider, account, outcome }),
      attempt: (status, seconds) => attempts.observe({ provider, account, status }, seconds),
    };
    return {
      upstream,
      reuse: {
        hit: (item, kind: ReuseKind) => hits.inc({ provider, account, item, kind }),
        miss: (item, count) => misses.inc({ provider, account, item }, count),
      },
    };
  }

  /** One operation: its name as the client gave it (bounded), its duration and its errors' codes. */
  operation(name: string | null, seconds: number, errorCodes: readonly (string | null)[]): void {
    const operation = this.operationLabel(name);
    this.operationDuration.observe({ operation }, seconds);
    for (const code of errorCodes) {
      this.operationErrors.inc({ operation, code: code !== null && ERROR_CODE.test(code) ? code : "OTHER" });
    }
  }

  /** The exposition text and its content type, for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Names are the client's choice: only the first MAX_OPERATION_NAMES become label values. */
  private operationLabel(name: string | null): string {
    if (name === null || name === "") return "anonymous";
    if (!OPERATION_NAME.test(name)) return "other";
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return "other";
    this.operationNames.add(name);
    return name;
  }
}

/** null where the read fails or takes too long: a scrape never waits on, or fails because of, a down store. */
async function withTimeout<T>(read: Promise<T | null>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), BUDGET_READ_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([read.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}
