/** A small Prometheus text-format registry (exposition format 0.0.4): counters, gauges, histograms, labels. */

type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}` : "";
};
const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? "+Inf" : v < 0 ? "-Inf" : "NaN");

abstract class Family {
  constructor(readonly name: string, readonly help: string, readonly type: "counter" | "gauge" | "histogram") {}
  abstract samples(): string[];
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()].join("\n");
  }
}

export class Counter extends Family {
  private values = new Map<string, { labels: Labels; value: number }>();
  constructor(name: string, help: string, private unlabelled = true) {
    super(name, help, "counter");
  }
  inc(by = 1, labels: Labels = {}): void {
    const key = labelText(labels);
    const cur = this.values.get(key);
    if (cur) cur.value += by;
    else this.values.set(key, { labels, value: by });
  }
  samples(): string[] {
    if (this.values.size === 0 && this.unlabelled) return [`${this.name} 0`];
    return [...this.values.values()].map((v) => `${this.name}${labelText(v.labels)} ${num(v.value)}`);
  }
}

export class Gauge extends Family {
  private values: { labels: Labels; value: number }[] = [];
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }
  /** Gauges are read fresh at each scrape: set replaces every sample. */
  setAll(values: { labels?: Labels; value: number }[]): void {
    this.values = values.map((v) => ({ labels: v.labels ?? {}, value: v.value }));
  }
  set(value: number): void {
    this.setAll([{ value }]);
  }
  samples(): string[] {
    return this.values.map((v) => `${this.name}${labelText(v.labels)} ${num(v.value)}`);
  }
}

export class Histogram extends Family {
  private counts: number[];
  private sum = 0;
  private count = 0;
  constructor(name: string, help: string, private buckets: number[]) {
    super(name, help, "histogram");
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]!++;
  }
  samples(): string[] {
    return [
      ...this.buckets.map((b, i) => `${this.name}_bucket{le="${b}"} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${num(this.sum)}`,
      `${this.name}_count ${this.count}`,
    ];
  }
}

export const renderFamilies = (families: Family[]) => families.map((f) => f.render()).join("\n") + "\n";
export type { Family };
