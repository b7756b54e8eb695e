import { register } from "prom-client";
import { AppMetrics } from "../../../src/metrics/app-metrics";

describe("AppMetrics", () => {
  it("keeps each app's metrics in its own registry, so that several apps share a process", async () => {
    const a = new AppMetrics();
    const b = new AppMetrics();
    a.forAccount("BAIDU_GEO", "x").upstream.call("ok");
    expect((await a.render()).body).toContain(
      'prefetch_graph_upstream_calls_total{provider="BAIDU_GEO",account="x",outcome="ok"} 1',
    );
    expect((await b.render()).body).not.toContain('outcome="ok"');
    expect(await register.metrics()).not.toContain("prefetch_graph_");
  });

  it("labels at most 100 distinct operation names, and counts the rest as other", async () => {
    const metrics = new AppMetrics();
    for (let i = 0; i < 120; i++) metrics.operation(`Op${i}`, 0.01, []);
    metrics.operation("Op1", 0.01, []);
    metrics.operation(null, 0.01, []);
    metrics.operation("x".repeat(1_000), 0.01, []);
    const { body } = await metrics.render();
    expect(body).toContain('prefetch_graph_operation_duration_seconds_count{operation="Op1"} 2');
    expect(body).toContain('prefetch_graph_operation_duration_seconds_count{operation="other"} 21');
    expect(body).toContain('prefetch_graph_operation_duration_seconds_count{operation="anonymous"} 1');
    expect(body).not.toContain("Op100");
  });

  it("counts error codes, and any code that is not an upper-case identifier as OTHER", async () => {
    const metrics = new AppMetrics();
    metrics.operation("Q", 0.01, ["UPSTREAM_TIMEOUT", "UPSTREAM_TIMEOUT", null, "<script>"]);
    const { body } = await metrics.render();
    expect(body).toContain('prefetch_graph_operation_errors_total{operation="Q",code="UPSTREAM_TIMEOUT"} 2');
    expect(body).toContain('prefetch_graph_operation_errors_total{operation="Q",code="OTHER"} 2');
  });
});
