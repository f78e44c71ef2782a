import type { Engine, Principal } from "./context";
import * as store from "../store/jobs";
import { badRequest } from "../domain/errors";
import type { CreateJobInput } from "../domain/job-schemas";
import type { Queryable } from "../db/types";
import { GroupCommit, type MemberOutcome } from "./group-commit";
import { insertJobsInTransaction, type CreateAnswer } from "./job-inserts";

export interface EnqueueMember {
  p: Principal;
  input: CreateJobInput;
}

export type EnqueueAnswer = CreateAnswer;

function newJobOf(input: CreateJobInput, id: string): store.NewJob {
  return {
    id,
    queueName: input.queue_name,
    payload: input.payload,
    priority: input.priority ?? 0,
    maxRetries: input.max_retries ?? null,
    timeoutSeconds: input.timeout_seconds ?? null,
    scheduledAt: input.scheduled_at ?? null,
    expiresAt: input.expires_at ?? null,
    idempotencyKey: input.idempotency_key ?? null,
    tags: input.tags,
    parentJobId: input.parent_job_id ?? null,
    completionWebhook: input.completion_webhook ?? null,
    completionWebhookSecret: input.completion_webhook ? (input.completion_webhook_secret ?? null) : null,
    dependenciesMet: input.parent_job_id ? false : null,
  };
}

/**
 * Books single-job creates of many callers in one transaction: per organization one idempotency lookup, one
 * pass of the creation hooks (the quota's usage-row lock is taken once per batch, not once per job), one
 * multi-row insert and one pass of the transition hooks. Each member gets its own id and its own idempotency
 * answer: a key seen earlier in the database, earlier in the same batch, or won by a concurrent writer resolves
 * to the winner's id with created=false.
 */
async function bookCreates(e: Engine, tx: Queryable, members: EnqueueMember[]): Promise<MemberOutcome<EnqueueAnswer>[]> {
  const outcomes: MemberOutcome<EnqueueAnswer>[] = new Array(members.length);
  const byOrg = new Map<string, number[]>();
  members.forEach((m, i) => byOrg.set(m.p.orgId, [...(byOrg.get(m.p.orgId) ?? []), i]));

  for (const [orgId, indexes] of byOrg) {
    const keys = [...new Set(indexes.map((i) => members[i]!.input.idempotency_key).filter((k): k is string => !!k))];
    const existing = await store.findIdsByIdempotencyKeys(tx, orgId, keys);
    const claimedKey = new Map<string, store.NewJob>();
    const fresh: { index: number; job: store.NewJob }[] = [];
    /** Members repeating a key that an earlier member of this batch creates: answered once that insert is known. */
    const followers: { index: number; key: string }[] = [];
    for (const i of indexes) {
      const { input } = members[i]!;
      const key = input.idempotency_key;
      const known = key ? existing.get(key) : undefined;
      if (known) {
        outcomes[i] = { ok: { id: known, created: false } };
        continue;
      }
      if (key && claimedKey.has(key)) {
        followers.push({ index: i, key });
        continue;
      }
      if (input.parent_job_id) {
        const parent = await store.getJob(tx, orgId, input.parent_job_id);
        if (!parent || parent.queue_name !== input.queue_name) {
          outcomes[i] = { error: badRequest("parent_job_id must be a job of the same organization and queue") };
          continue;
        }
      }
      const job = newJobOf(input, crypto.randomUUID());
      if (key) claimedKey.set(key, job);
      fresh.push({ index: i, job });
    }
    if (fresh.length === 0) continue;
    const { answerFor } = await insertJobsInTransaction(e, tx, orgId, fresh.map((f) => f.job));
    for (const { index, job } of fresh) outcomes[index] = { ok: answerFor(job) };
    for (const { index, key } of followers) outcomes[index] = { ok: { id: answerFor(claimedKey.get(key)!).id, created: false } };
  }
  return outcomes;
}

/** The engine's group for single-job creates (REST POST /jobs, gRPC Enqueue). */
export function enqueueGroup(e: Engine): GroupCommit<EnqueueMember, EnqueueAnswer> {
  let group = e.memory.groupCommits.get("creates") as GroupCommit<EnqueueMember, EnqueueAnswer> | undefined;
  if (!group) {
    group = new GroupCommit(e.db, e.signals.notifier, (tx, members: EnqueueMember[]) => bookCreates(e, tx, members), { maxBatch: 256, maxInFlight: 2 });
    e.memory.groupCommits.set("creates", group);
  }
  return group;
}
