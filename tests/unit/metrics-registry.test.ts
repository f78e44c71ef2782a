import { describe, test, expect } from "bun:test";
import { Counter, Gauge, Histogram, renderFamilies } from "../../src/metrics/registry";

describe("Prometheus text", () => {
  test("counters, labelled series, gauges and cumulative histogram buckets", () => {
    const c = new Counter("c_total", "a counter");
    const l = new Counter("l_total", "labelled", false);
    const g = new Gauge("g", "a gauge");
    const h = new Histogram("h_seconds", "a histogram", [0.1, 1]);
    l.inc(2, { queue: 'we"ird\\q' });
    g.setAll([{ labels: { queue: "a" }, value: 3 }]);
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    expect(renderFamilies([c, l, g, h])).toBe(
      [
        "# HELP c_total a counter", "# TYPE c_total counter", "c_total 0",
        "# HELP l_total labelled", "# TYPE l_total counter", 'l_total{queue="we\\"ird\\\\q"} 2',
        "# HELP g a gauge", "# TYPE g gauge", 'g{queue="a"} 3',
        "# HELP h_seconds a histogram", "# TYPE h_seconds histogram",
        'h_seconds_bucket{le="0.1"} 1', 'h_seconds_bucket{le="1"} 2', 'h_seconds_bucket{le="+Inf"} 3', "h_seconds_sum 5.55", "h_seconds_count 3",
      ].join("\n") + "\n",
    );
  });
});
