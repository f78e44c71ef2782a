// A worker process as any HTTP client would write one against Spindle's REST API: claim in batches, run at most
// `concurrency` handlers at once, report each outcome. Used by bench/run.ts.
export type CompleteMode = "single" | "batch";

interface Claimed {
  id: string;
  lease_id: string;
  payload: any;
}

/**
 * `fetchers` claim loops, each holding at most concurrency / fetchers jobs: it claims that many, runs their handlers
 * at once, reports each outcome as it finishes (batched mode: finished jobs of all loops are reported together, one
 * call per tick), and claims again once its whole batch is reported. While one loop reports, the others claim.
 */
export class RestWorkers {
  private running = true;
  private loops: Promise<void>[] = [];
  private toComplete: { id: string; lease_id: string; ack: () => void }[] = [];
  private flushScheduled = false;
  private readonly workerId = `bench-${process.pid}`;
  private readonly fetchers: number;
  private readonly perLoop: number;
  private readonly waitMs: number;

  constructor(
    private base: string,
    private key: string,
    private queue: string,
    private opts: { concurrency: number; complete: CompleteMode; fetchers?: number; waitMs?: number },
  ) {
    this.fetchers = opts.fetchers ?? 2;
    this.perLoop = Math.max(1, Math.floor(opts.concurrency / this.fetchers));
    this.waitMs = opts.waitMs ?? 5000;
  }

  describe(): string {
    return `${this.fetchers} claim loops x ${this.perLoop} jobs (POST /jobs/claim limit=${this.perLoop}, wait_ms=${this.waitMs} long poll), ` +
      `completion ${this.opts.complete === "batch" ? "batched (POST /jobs/complete, every job finished in the same tick)" : "per job (POST /jobs/{id}/complete)"}`;
  }

  private async post(path: string, body: unknown): Promise<any> {
    const res = await fetch(this.base + path, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.key}` },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  start(handler: (payload: any) => Promise<void>): void {
    for (let f = 0; f < this.fetchers; f++) this.loops.push(this.claimLoop(handler));
  }

  private async claimLoop(handler: (payload: any) => Promise<void>) {
    while (this.running) {
      let jobs: Claimed[] = [];
      try {
        const r = await this.post("/api/v1/jobs/claim", { queue_name: this.queue, worker_id: this.workerId, limit: this.perLoop, lease_duration_secs: 60, wait_ms: this.waitMs });
        jobs = r.jobs;
      } catch (err) {
        if (this.running) console.error(`[workers] claim failed: ${(err as Error).message}`);
        await Bun.sleep(100);
      }
      await Promise.all(jobs.map((job) => this.run(job, handler)));
    }
  }

  private async run(job: Claimed, handler: (payload: any) => Promise<void>): Promise<void> {
    try {
      await handler(job.payload);
    } catch (err) {
      await this.post(`/api/v1/jobs/${job.id}/fail`, { worker_id: this.workerId, lease_id: job.lease_id, error: String((err as Error).message ?? err) }).catch((e) =>
        console.error(`[workers] fail failed: ${e.message}`),
      );
      return;
    }
    if (this.opts.complete === "single") {
      await this.post(`/api/v1/jobs/${job.id}/complete`, { worker_id: this.workerId, lease_id: job.lease_id }).catch((e) => console.error(`[workers] complete failed: ${e.message}`));
      return;
    }
    await new Promise<void>((ack) => {
      this.toComplete.push({ id: job.id, lease_id: job.lease_id, ack });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Reports every job finished since the last tick in one call (at most 100 per call). */
  private async flush() {
    this.flushScheduled = false;
    const all = this.toComplete.splice(0);
    await Promise.all(
      Array.from({ length: Math.ceil(all.length / 100) }, async (_, k) => {
        const batch = all.slice(k * 100, k * 100 + 100);
        try {
          const r = await this.post("/api/v1/jobs/complete", { worker_id: this.workerId, jobs: batch.map((j) => ({ job_id: j.id, lease_id: j.lease_id })) });
          if (r.failed?.length) console.error(`[workers] ${r.failed.length} completions refused: ${JSON.stringify(r.failed[0])}`);
        } catch (e) {
          console.error(`[workers] batch complete failed: ${(e as Error).message}`);
        }
        for (const j of batch) j.ack();
      }),
    );
  }

  async stop() {
    this.running = false;
    await Promise.race([Promise.all(this.loops), Bun.sleep(this.waitMs + 1000)]);
  }
}
