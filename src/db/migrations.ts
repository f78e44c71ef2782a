// Migrations are plain numbered SQL files; they are imported as text so the compiled binary carries them.
// Add a new file to migrations/ and one line here.
// @ts-ignore -- text imports have no type declarations
import m0001 from "../../migrations/0001_foundation.sql" with { type: "text" };
// @ts-ignore
import m0005 from "../../migrations/0005_webhooks.sql" with { type: "text" };

export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  { version: 1, name: "0001_foundation", sql: m0001 },
  { version: 5, name: "0005_webhooks", sql: m0005 },
];
