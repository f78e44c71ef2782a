import type { JobRow } from "../store/jobs";
import { setJsonMaxDepth } from "../domain/json-limits";
import { isTransaction, type Db, type Queryable } from "../db/types";
import type { Config } from "../config";
import { forbidden } from "../domain/errors";
import { JobSignals } from "../bus/job-signals";
import type { FairnessSettings } from "../domain/fairness";
import type { PlanLimits, PlanTier } from "../domain/plans";
import type { AttemptOutcome, HttpRequestSpec } from "../domain/http-outcome";

/** Who is calling: resolved by a transport from a credential, trusted by the engine. */
export interface Principal {
  orgId: string;
  apiKeyId: string | null;
  /** Queue scope of the credential; empty or containing "*" = every queue. */
  queues: string[];
  planTier: string;
  /** The API key's own limit in requests per minute (null = none). */
  rateLimit?: number | null;
}

/** A worker asking for up to `limit` jobs of a queue, leased for `leaseSecs`. */
export interface ClaimRequest {
  queueName: string;
  workerId: string;
  limit: number;
  leaseSecs: number;
}

export type JobEvent = "created" | "claimed" | "completed" | "failed" | "deadlettered" | "cancelled" | "retried" | "lease_expired" | "released";

/**
 * Extension points of a change, in three phases that run in this order:
 * 1. validate: before any write; throw to refuse the whole change (nothing is written, nothing is counted).
 * 2. in the transaction: writes that must commit or roll back with the change (outbox rows, usage, dependents).
 * 3. after commit: what may only follow a committed change (metrics, wake-ups, fan-out); never throws back.
 * Within a phase, hooks run in feature order (src/features/index.ts).
 */
export interface EngineHooks {
  /** Validate, before a create's transaction, so it may take time (DNS). Only createJob runs it. */
  validateCreate: ((orgId: string, jobs: readonly NewJobInfo[]) => Promise<void>)[];
  /**
   * Validate, inside the creating transaction before the insert (quota counts in the insert's snapshot). Reads
   * and row locks only. `jobs` lists the new jobs on every create path; retries pass count 0 and no jobs.
   */
  validateInsert: ((tx: Queryable, orgId: string, count: number, jobs?: readonly NewJobInfo[]) => Promise<void>)[];
  /**
   * In the transaction, alongside a hot path's transition statement (claims, completions): reads that
   * its onTransition hooks will need, sent without waiting, right behind the statement where the path can, so
   * that their answers come back with its own instead of costing a round trip each. Reads only; each hook's
   * module keeps what it learns for the rest of the transaction.
   */
  beforeTransition: ((tx: Queryable, event: JobEvent, orgIds: readonly string[]) => void)[];
  /** In the transaction: jobs changed state; the changed rows. */
  onTransition: ((tx: Queryable, event: JobEvent, jobs: JobRow[]) => Promise<void>)[];
  /** In the transaction: non-job domain events (queue.paused, worker.registered, schedule.triggered, ...). */
  onEvent: ((tx: Queryable, event: DomainEvent) => Promise<void>)[];
  /** After commit: jobs changed state (only changes that committed reach here). */
  afterCommit: ((event: JobEvent, jobs: readonly JobRow[]) => void)[];
}

/** What a validate hook may inspect of a job about to be created (plan caps on payload size and queues). */
export interface NewJobInfo {
  queueName: string;
  payload: unknown;
  /** The per-job completion callback URL, when the create path takes one. */
  completionWebhook?: string | null;
}

export interface DomainEvent {
  type: string;
  orgId: string;
  data: Record<string, unknown>;
}

/** Resolves a bearer value that is not an API key (a JWT) to its principal, or undefined when it is not one of its kind. */
export type CredentialResolver = (engine: Engine, token: string) => Promise<Principal | undefined>;

/**
 * What the engine asks of the HTTP delivery machinery. The engine never imports delivery code: the webhooks
 * feature plugs this in through the composition root (src/server.ts).
 */
export interface OutboundHttp {
  /** The SSRF guard with DNS: throws TargetRefused or DnsFailure. */
  vet(url: string): Promise<void>;
  /** One request through the guard, answered with its outcome (never throws for a failed request). */
  attempt(spec: HttpRequestSpec): Promise<AttemptOutcome>;
  /** New work for the delivery loops of this node. */
  wake(): void;
  /** This node's adaptive state of each destination host an organization sends to (breakers, concurrency). */
  hostStates(orgId: string): object[];
}

/** Node-local caches of the use cases, one set per engine; each is read and written by one module named beside it. */
export interface EngineMemory {
  /** engine/tokens.ts: the JWT signing key, once loaded. */
  jwtSecret?: string;
  /** engine/quotas.ts: the deployment's plan table. */
  planTable?: Record<PlanTier, PlanLimits>;
  /** engine/rate-limit.ts: plan rates per organization. */
  orgRates: Map<string, { rps: number; burst: number; at: number }>;
  /** engine/delivery-queues.ts: live signing secrets per queue, and the lookups under way. */
  signingSecrets: Map<string, { secrets: string[]; until: number }>;
  secretLookups: Map<string, Promise<string[]>>;
  /** engine/fair-claims.ts: fairness settings read, round-robin cursors, when keyless jobs were last keyed. */
  fairness: {
    configs: Map<string, { fairness: FairnessSettings | null; readAt: number }>;
    cursors: Map<string, string>;
    assignedAt: Map<string, number>;
  };
  /** engine/events.ts: the database check shared by SystemHealth events. */
  healthCheck?: { at: number; ok: Promise<boolean> };
  /** engine/drain.ts: the node is shutting down and leases nothing more. */
  draining?: boolean;
  /** engine/retention.ts: whether retention must VACUUM itself (no autovacuum). */
  ownVacuum?: Promise<boolean>;
  /** engine/group-enqueue.ts and engine/leases.ts: their group commits (creates, completions), typed where made. */
  groupCommits: Map<"creates" | "completions", unknown>;
  /** engine/auth.ts: API-key lookups under way, by key digest (identical concurrent lookups share one). */
  keyLookups: Map<string, Promise<unknown>>;
}

export interface Engine {
  db: Db;
  config: Config;
  hooks: EngineHooks;
  startedAt: Date;
  /** Cross-node news that jobs of a queue changed (LISTEN/NOTIFY). */
  signals: JobSignals;
  /** Resolvers tried before the API-key lookup (JWT when the accounts feature is on). */
  credentials: CredentialResolver[];
  /** The HTTP delivery machinery, when the webhooks feature is on. */
  outbound?: OutboundHttp;
  memory: EngineMemory;
}

export function createEngine(db: Db, config: Config): Engine {
  setJsonMaxDepth(config.jsonMaxDepth);
  return {
    db,
    config,
    hooks: { validateCreate: [], validateInsert: [], beforeTransition: [], onTransition: [], onEvent: [], afterCommit: [] },
    startedAt: new Date(),
    signals: new JobSignals(db),
    credentials: [],
    memory: {
      orgRates: new Map(),
      signingSecrets: new Map(),
      secretLookups: new Map(),
      fairness: { configs: new Map(), cursors: new Map(), assignedAt: new Map() },
      keyLookups: new Map(),
      groupCommits: new Map(),
    },
  };
}

/** Spindle acting for an organization on its own queues (delivery jobs, ingestion). */
export const internalPrincipal = (orgId: string, planTier = "internal"): Principal => ({ orgId, apiKeyId: null, queues: ["*"], planTier });

/** Jobs of these organizations change state inside tx by a statement sent just now: the hooks' reads go out too (beforeTransition). */
export function prepareTransition(e: Engine, tx: Queryable, event: JobEvent, orgIds: readonly string[]): void {
  for (const hook of e.hooks.beforeTransition) hook(tx, event, orgIds);
}

/**
 * Jobs changed state inside tx: the in-transaction hooks run now, the after-commit hooks once tx commits (at
 * once when tx is the pool, whose statements committed already).
 */
export async function runAfterTransition(e: Engine, tx: Queryable, event: JobEvent, jobs: JobRow[]): Promise<void> {
  if (jobs.length === 0) return;
  await pipelined(e.hooks.onTransition.map((hook) => () => hook(tx, event, jobs)));
  if (e.hooks.afterCommit.length === 0) return;
  const announce = () => {
    for (const hook of e.hooks.afterCommit) hook(event, jobs);
  };
  if (isTransaction(tx)) tx.afterCommit(announce);
  else announce();
}

/** PostgreSQL's answer to every statement sent after one failed in the same transaction. */
const ABORTED_TRANSACTION = "25P02";

/**
 * Starts the hooks of one transition together: their statements go to the server in one write and come back in one
 * round trip (postgres.js pipelines statements of a transaction; PGlite runs them in turn). Hooks write different
 * rows, so their order does not matter. When one fails, the others fail with "transaction aborted": the first real
 * failure is the one thrown.
 */
async function pipelined(calls: (() => Promise<void>)[]): Promise<void> {
  if (calls.length <= 1) return calls[0]?.();
  const settled = await Promise.allSettled(calls.map((call) => call()));
  const failures = settled.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
  if (failures.length === 0) return;
  throw failures.find((err) => (err as { code?: string })?.code !== ABORTED_TRANSACTION) ?? failures[0];
}

export async function emitEvent(e: Engine, tx: Queryable, event: DomainEvent): Promise<void> {
  for (const hook of e.hooks.onEvent) await hook(tx, event);
}

export async function runValidateCreate(e: Engine, orgId: string, jobs: readonly NewJobInfo[]): Promise<void> {
  for (const hook of e.hooks.validateCreate) await hook(orgId, jobs);
}

export async function runValidateInsert(e: Engine, tx: Queryable, orgId: string, count: number, jobs?: readonly NewJobInfo[]): Promise<void> {
  for (const hook of e.hooks.validateInsert) await hook(tx, orgId, count, jobs);
}

/** A credential for every queue (empty scope or "*"), as opposed to a queue-scoped one. */
export const hasAllQueues = (p: Principal) => p.queues.length === 0 || p.queues.includes("*");

export const canUseQueue = (p: Principal, queue: string) => hasAllQueues(p) || p.queues.includes(queue);

export function assertQueueAllowed(p: Principal, queue: string): void {
  if (!canUseQueue(p, queue)) throw forbidden(`API key is not allowed to access queue '${queue}'`);
}
