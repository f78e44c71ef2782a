import type { Engine, JobEvent } from "../engine/context";
import { Counter, Gauge, Histogram, renderFamilies, type Family } from "./registry";
import { activeJobGauges, workerHealth } from "../store/dashboard";

const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const GAUGE_TTL_MS = 5000;

/**
 * The contract's series (unlabelled, process-wide counters of what this node did; gauges read from the
 * database so every node reports the same) plus our labelled per-queue series.
 */
export class ServerMetrics {
  readonly enqueued = new Counter("spooled_jobs_enqueued_total", "Jobs created (idempotent hits excluded)");
  readonly completed = new Counter("spooled_jobs_completed_total", "Jobs completed");
  readonly failed = new Counter("spooled_jobs_failed_total", "Failed attempts (retrying or not)");
  readonly retried = new Counter("spooled_jobs_retried_total", "Retries scheduled, including lease expiries and manual retries");
  readonly deadlettered = new Counter("spooled_jobs_deadlettered_total", "Jobs moved to the dead-letter queue");
  readonly pending = new Gauge("spooled_jobs_pending", "Pending jobs");
  readonly processing = new Gauge("spooled_jobs_processing", "Processing jobs");
  readonly duration = new Histogram("spooled_job_duration_seconds", "Processing time of completed jobs", JOB_BUCKETS);
  readonly maxAge = new Gauge("spooled_job_max_age_seconds", "Age of the oldest runnable pending job");
  readonly requests = new Counter("spooled_api_requests_total", "HTTP requests");
  readonly requestDuration = new Histogram("spooled_api_request_duration_seconds", "HTTP request latency", HTTP_BUCKETS);
  readonly workersActive = new Gauge("spooled_workers_active", "Registered workers that are not offline");
  readonly workersHealthy = new Gauge("spooled_workers_healthy", "Healthy workers");
  readonly dbConnections = new Gauge("spooled_database_connections_active", "Database connections in use (not tracked by this server)");
  readonly redisOps = new Counter("spooled_redis_operations_total", "Cache operations (Spindle has no cache: always 0)");
  // ---- our extensions: labelled series ----
  readonly queueTransitions = new Counter("spindle_queue_job_transitions_total", "Job state changes by queue and event", false);
  readonly queueJobs = new Gauge("spindle_queue_jobs", "Active jobs by organization, queue and status");
  readonly httpByStatus = new Counter("http_requests_total", "HTTP requests by method and status class", false);
  readonly processStart = new Gauge("process_start_time_seconds", "Start time of the process since the Unix epoch");
  readonly processMemory = new Gauge("process_resident_memory_bytes", "Resident memory size");
  readonly processCpu = new Gauge("process_cpu_seconds_total", "User and system CPU time spent");

  private gaugesAt = 0;
  /** Series a feature reports itself (delivery hosts), read at each scrape. */
  private sources: (() => Family[])[] = [];

  addSource(source: () => Family[]): void {
    this.sources.push(source);
  }

  constructor(private engine: Engine) {
    this.processStart.set(Math.floor(engine.startedAt.getTime() / 1000));
  }

  recordTransition(event: JobEvent, rows: readonly any[]): void {
    // One labelled increment per queue, not per row: a batch is usually one queue's hundreds of jobs.
    const perQueue = new Map<string, number>();
    for (const r of rows) perQueue.set(r.queue_name, (perQueue.get(r.queue_name) ?? 0) + 1);
    for (const [queue, count] of perQueue) this.queueTransitions.inc(count, { queue, event });
    const n = rows.length;
    if (event === "created") this.enqueued.inc(n);
    else if (event === "completed") {
      this.completed.inc(n);
      for (const r of rows) if (r.started_at && r.completed_at) this.duration.observe((+new Date(r.completed_at) - +new Date(r.started_at)) / 1000);
    } else if (event === "failed") {
      this.failed.inc(n);
      this.retried.inc(n);
    } else if (event === "deadlettered") {
      this.failed.inc(n);
      this.deadlettered.inc(n);
    } else if (event === "lease_expired" || event === "retried" || event === "released") this.retried.inc(n);
  }

  recordRequest(method: string, status: number, seconds: number): void {
    this.requests.inc();
    this.requestDuration.observe(seconds);
    this.httpByStatus.inc(1, { method, status: `${Math.floor(status / 100)}xx` });
  }

  private async refreshGauges(): Promise<void> {
    if (Date.now() - this.gaugesAt < GAUGE_TTL_MS) return;
    const db = this.engine.db;
    const { byQueue, oldestPendingSecs } = await activeJobGauges(db);
    const total = (status: string) => byQueue.filter((r) => r.status === status).reduce((s, r) => s + r.n, 0);
    this.pending.set(total("pending"));
    this.processing.set(total("processing"));
    this.maxAge.set(Math.max(0, Math.round(oldestPendingSecs ?? 0)));
    this.queueJobs.setAll(byQueue.map((r) => ({ labels: { organization_id: r.organization_id, queue: r.queue_name, status: r.status }, value: r.n })));
    const w = await workerHealth(db, null);
    this.workersActive.set(w.total);
    this.workersHealthy.set(w.healthy);
    this.dbConnections.set(0);
    this.gaugesAt = Date.now();
  }

  async render(): Promise<string> {
    try {
      await this.refreshGauges();
    } catch {
      // The database is down: serve the counters we have; the gauges keep their last values.
    }
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    this.processMemory.set(mem.rss);
    this.processCpu.set((cpu.user + cpu.system) / 1e6);
    return renderFamilies([
      this.enqueued, this.completed, this.failed, this.retried, this.deadlettered, this.pending, this.processing, this.duration,
      this.maxAge, this.requests, this.requestDuration, this.workersActive, this.workersHealthy, this.dbConnections, this.redisOps,
      this.queueTransitions, this.queueJobs, this.httpByStatus, this.processStart, this.processMemory, this.processCpu,
      ...this.sources.flatMap((source) => source()),
    ]);
  }
}

