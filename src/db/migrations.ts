// Migrations are plain numbered SQL files; they are imported as text so the compiled binary carries them.
// Add a new file to migrations/ and one line here.
// @ts-ignore -- text imports have no type declarations
import m0001 from "../../migrations/0001_foundation.sql" with { type: "text" };
// @ts-ignore
import m0002 from "../../migrations/0002_workers.sql" with { type: "text" };
// @ts-ignore
import m0003 from "../../migrations/0003_accounts.sql" with { type: "text" };
// @ts-ignore -- text imports have no type declarations
import m0004 from "../../migrations/0004_schedules_workflows.sql" with { type: "text" };
// @ts-ignore
import m0005 from "../../migrations/0005_webhooks.sql" with { type: "text" };
// @ts-ignore
import m0006 from "../../migrations/0006_realtime.sql" with { type: "text" };
// @ts-ignore
import m0007 from "../../migrations/0007_completion_webhooks.sql" with { type: "text" };
// @ts-ignore
import m0008 from "../../migrations/0008_operations.sql" with { type: "text" };
// @ts-ignore
import m0009 from "../../migrations/0009_schedule_policies.sql" with { type: "text" };
// @ts-ignore
import m0010 from "../../migrations/0010_fair_claiming.sql" with { type: "text" };
// @ts-ignore
import m0011 from "../../migrations/0011_app_side_job_notify.sql" with { type: "text" };
// @ts-ignore
import m0012 from "../../migrations/0012_retention.sql" with { type: "text" };

export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  { version: 1, name: "0001_foundation", sql: m0001 },
  { version: 2, name: "0002_workers", sql: m0002 },
  { version: 3, name: "0003_accounts", sql: m0003 },
  { version: 4, name: "0004_schedules_workflows", sql: m0004 },
  { version: 5, name: "0005_webhooks", sql: m0005 },
  { version: 6, name: "0006_realtime", sql: m0006 },
  { version: 7, name: "0007_completion_webhooks", sql: m0007 },
  { version: 8, name: "0008_operations", sql: m0008 },
  { version: 9, name: "0009_schedule_policies", sql: m0009 },
  { version: 10, name: "0010_fair_claiming", sql: m0010 },
  { version: 11, name: "0011_app_side_job_notify", sql: m0011 },
  { version: 12, name: "0012_retention", sql: m0012 },
];
