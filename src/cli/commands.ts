import { call, CliFailure, type Connection } from "./client";
import { intOption, textOption, UsageError, type OptionSpec, type ParsedArgs } from "./args";
import { EXIT } from "./exit-codes";
import { record, table } from "./table";

/** What a command prints: the server's answer for --json, a human rendering otherwise, and the exit code. */
export interface Output {
  json: unknown;
  human: string;
  exitCode?: number;
}

export interface Context {
  words: string[];
  options: ParsedArgs["options"];
  connection: () => Connection;
}

export interface Command {
  name: string;
  /** Positional arguments as help shows them ("<id>", "[<id>...]"). */
  args?: string;
  summary: string;
  options?: OptionSpec[];
  run(ctx: Context): Promise<Output>;
}

export interface Group {
  name: string;
  summary: string;
  commands: Command[];
}

const enc = encodeURIComponent;
const one = (ctx: Context, what: string) => {
  if (ctx.words.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return ctx.words[0]!;
};
const none = (ctx: Context) => {
  if (ctx.words.length) throw new UsageError(`unexpected argument ${ctx.words[0]}`);
};
const query = (params: Record<string, string | number | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
};
const rows = (v: unknown) => v as Record<string, unknown>[];
const obj = (v: unknown) => v as Record<string, any>;

const PAGE: OptionSpec[] = [
  { name: "limit", value: "N", help: "at most N rows" },
  { name: "offset", value: "N", help: "skip the first N rows" },
];
const QUEUE: OptionSpec = { name: "queue", value: "QUEUE", help: "only this queue" };
const JOB_COLUMNS = ["id", "queue_name", "status", "priority", "retry_count", "created_at"];

const jobs: Group = {
  name: "jobs",
  summary: "list, inspect, retry and cancel jobs",
  commands: [
    {
      name: "ls",
      summary: "List jobs, newest first.",
      options: [QUEUE, { name: "status", value: "STATUS", help: "pending, scheduled, processing, completed, failed, deadletter or cancelled" }, ...PAGE],
      async run(ctx) {
        none(ctx);
        const o = ctx.options;
        const list = await call(ctx.connection(), "GET", `/api/v1/jobs${query({ queue_name: textOption(o, "queue"), status: textOption(o, "status"), limit: intOption(o, "limit"), offset: intOption(o, "offset") })}`);
        return { json: list, human: table(rows(list), JOB_COLUMNS) };
      },
    },
    {
      name: "get",
      args: "<id>",
      summary: "Show one job with its payload, result and last error.",
      async run(ctx) {
        const job = await call(ctx.connection(), "GET", `/api/v1/jobs/${enc(one(ctx, "job id"))}`);
        return { json: job, human: record(obj(job)) };
      },
    },
    {
      name: "retry",
      args: "<id>",
      summary: "Retry a failed or dead-lettered job now (exit 6 if it is in another state).",
      async run(ctx) {
        const job = obj(await call(ctx.connection(), "POST", `/api/v1/jobs/${enc(one(ctx, "job id"))}/retry`));
        return { json: job, human: `job ${job.id} is ${job.status} again` };
      },
    },
    {
      name: "cancel",
      args: "<id>",
      summary: "Cancel a job that has not finished (exit 6 if it has).",
      async run(ctx) {
        const id = one(ctx, "job id");
        await call(ctx.connection(), "DELETE", `/api/v1/jobs/${enc(id)}`);
        return { json: { id, cancelled: true }, human: `job ${id} cancelled` };
      },
    },
  ],
};

const dlq: Group = {
  name: "dlq",
  summary: "the dead-letter queue: list, retry, purge",
  commands: [
    {
      name: "ls",
      summary: "List dead-lettered jobs.",
      options: [QUEUE, ...PAGE],
      async run(ctx) {
        none(ctx);
        const o = ctx.options;
        const list = await call(ctx.connection(), "GET", `/api/v1/jobs/dlq${query({ queue_name: textOption(o, "queue"), limit: intOption(o, "limit"), offset: intOption(o, "offset") })}`);
        return { json: list, human: table(rows(list), ["id", "queue_name", "retry_count", "created_at", "completed_at"]) };
      },
    },
    {
      name: "retry",
      args: "[<id>...]",
      summary: "Move dead letters back to pending: the given ids, or those of --queue (up to --limit, at most 100).",
      options: [QUEUE, { name: "limit", value: "N", help: "at most N jobs (1-100)" }],
      async run(ctx) {
        const o = ctx.options;
        const body = { job_ids: ctx.words.length ? ctx.words : undefined, queue_name: textOption(o, "queue"), limit: intOption(o, "limit") };
        const r = obj(await call(ctx.connection(), "POST", "/api/v1/jobs/dlq/retry", body));
        return { json: r, human: `retried ${r.retried_count} job(s)${r.retried_jobs?.length ? `: ${r.retried_jobs.join(", ")}` : ""}` };
      },
    },
    {
      name: "purge",
      summary: "Delete dead letters for good. Needs --yes.",
      options: [QUEUE, { name: "older-than", value: "TIME", help: "only those dead-lettered before this RFC 3339 instant" }, { name: "limit", value: "N", help: "at most N jobs" }, { name: "yes", help: "really delete" }],
      async run(ctx) {
        none(ctx);
        const o = ctx.options;
        if (o.yes !== true) throw new UsageError("purging deletes jobs for good: add --yes");
        const body = { confirm: true, queue_name: textOption(o, "queue"), older_than: textOption(o, "older-than"), limit: intOption(o, "limit") };
        const r = obj(await call(ctx.connection(), "POST", "/api/v1/jobs/dlq/purge", body));
        return { json: r, human: `purged ${r.purged_count} job(s)` };
      },
    },
  ],
};

const queues: Group = {
  name: "queues",
  summary: "list, pause and resume queues",
  commands: [
    {
      name: "ls",
      summary: "List queues.",
      async run(ctx) {
        none(ctx);
        const list = await call(ctx.connection(), "GET", "/api/v1/queues");
        return { json: list, human: table(rows(list), ["queue_name", "enabled", "max_retries", "default_timeout", "rate_limit"]) };
      },
    },
    {
      name: "pause",
      args: "<name>",
      summary: "Stop handing out the queue's jobs (enqueueing still works).",
      options: [{ name: "reason", value: "TEXT", help: "why, kept with the queue" }],
      async run(ctx) {
        const r = obj(await call(ctx.connection(), "POST", `/api/v1/queues/${enc(one(ctx, "queue name"))}/pause`, { reason: textOption(ctx.options, "reason") }));
        return { json: r, human: `queue ${r.queue_name} paused${r.reason ? ` (${r.reason})` : ""}` };
      },
    },
    {
      name: "resume",
      args: "<name>",
      summary: "Hand out the queue's jobs again.",
      async run(ctx) {
        const r = obj(await call(ctx.connection(), "POST", `/api/v1/queues/${enc(one(ctx, "queue name"))}/resume`));
        return { json: r, human: `queue ${r.queue_name} resumed` };
      },
    },
  ],
};

const schedules: Group = {
  name: "schedules",
  summary: "list cron schedules, run one now",
  commands: [
    {
      name: "ls",
      summary: "List schedules.",
      options: PAGE,
      async run(ctx) {
        none(ctx);
        const list = await call(ctx.connection(), "GET", `/api/v1/schedules${query({ limit: intOption(ctx.options, "limit"), offset: intOption(ctx.options, "offset") })}`);
        return { json: list, human: table(rows(list), ["id", "name", "cron_expression", "timezone", "queue_name", "is_active", "next_run_at"]) };
      },
    },
    {
      name: "trigger",
      args: "<id>",
      summary: "Enqueue the schedule's job now.",
      async run(ctx) {
        const id = one(ctx, "schedule id");
        const r = obj(await call(ctx.connection(), "POST", `/api/v1/schedules/${enc(id)}/trigger`));
        return { json: r, human: `schedule ${id} triggered: job ${r.job_id}` };
      },
    },
  ],
};

const org: Group = {
  name: "org",
  summary: "create an organization (prints its API key once)",
  commands: [
    {
      name: "create",
      args: "<name>",
      summary: "Register an organization and print its first API key, which is shown only this once.",
      options: [
        { name: "slug", value: "SLUG", help: "its slug (default: a free one made from the name)" },
        { name: "billing-email", value: "EMAIL", help: "billing address" },
        { name: "admin-key", value: "KEY", help: "X-Admin-Key, needed when REGISTRATION_MODE=closed (or SPINDLE_ADMIN_KEY)" },
      ],
      async run(ctx) {
        const name = one(ctx, "organization name");
        const conn = { ...ctx.connection(), apiKey: undefined, adminKey: textOption(ctx.options, "admin-key") ?? process.env.SPINDLE_ADMIN_KEY };
        const slug = textOption(ctx.options, "slug") ?? obj(await call(conn, "POST", "/api/v1/organizations/generate-slug", { name })).slug;
        const r = obj(await call(conn, "POST", "/api/v1/organizations", { name, slug, billing_email: textOption(ctx.options, "billing-email") }));
        const human = [
          `organization ${r.organization.name} created`,
          record({ id: r.organization.id, slug: r.organization.slug, plan: r.organization.plan_tier }),
          "",
          "API key (shown only now; store it, e.g. export SPINDLE_API_KEY=…):",
          r.api_key.key,
        ].join("\n");
        return { json: r, human };
      },
    },
  ],
};

/** `spindle health` is a command of its own, not a group. */
export const healthCommand: Command = {
  name: "health",
  summary: "Ask the server how it is: exit 0 when healthy, 7 when it answers unhealthy, 3 when it does not answer.",
  async run(ctx) {
    none(ctx);
    const conn = { ...ctx.connection(), apiKey: undefined };
    try {
      const h = obj(await call(conn, "GET", "/health/ready"));
      return { json: h, human: `${h.status} (database: ${h.database ? "ok" : "down"}) at ${conn.url}` };
    } catch (err) {
      if (!(err instanceof CliFailure) || err.exitCode !== EXIT.unhealthy) throw err;
      const h = obj(err.body ?? {});
      return { json: h, human: `${h.status ?? "unhealthy"} at ${conn.url}${h.failed?.length ? `: ${h.failed.join(", ")} failing` : ""}`, exitCode: EXIT.unhealthy };
    }
  },
};

export const GROUPS: Group[] = [jobs, dlq, queues, schedules, org];

