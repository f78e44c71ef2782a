import { VERSION } from "../version";
import { parseArgs, UsageError, type OptionSpec } from "./args";
import { CliFailure } from "./client";
import { GROUPS, healthCommand, type Command, type Group } from "./commands";
import { EXIT } from "./exit-codes";

/**
 * The operator CLI in the server's own binary: `spindle <group> <command>` talks to a running server over REST
 * (SPINDLE_URL, SPINDLE_API_KEY or --url / --api-key). `serve` and `migrate` stay in src/main.ts; this module
 * also answers their --help.
 */

const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: "url", value: "URL", help: "the server (default $SPINDLE_URL, else http://127.0.0.1:8080)" },
  { name: "api-key", value: "KEY", help: "API key or JWT (default $SPINDLE_API_KEY)" },
  { name: "json", help: "print the server's JSON answer instead of a table" },
  { name: "help", help: "show help for this command" },
];

const SERVER_COMMANDS = [
  { name: "serve", summary: "run the server (the default): REST + SSE + WebSocket on $PORT, gRPC on $GRPC_PORT" },
  { name: "migrate", summary: "apply database migrations and exit" },
  { name: "version", summary: "print the version" },
];

const EXIT_HELP = `Exit codes:
  0  success
  1  the server refused the request (invalid input, rate limit, server error)
  2  usage error (unknown command or option, missing argument)
  3  no server answered at the URL
  4  missing or invalid credential (HTTP 401/403)
  5  not found (HTTP 404)
  6  conflicts with the resource's state (HTTP 409)
  7  server unhealthy or unavailable (HTTP 503)`;

const optionLines = (specs: OptionSpec[]) => {
  const left = specs.map((s) => `  --${s.name}${s.value ? ` ${s.value}` : ""}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return specs.map((s, i) => `${left[i]!.padEnd(width)}${s.help}`).join("\n");
};

export function topHelp(): string {
  const lines = [
    `spindle ${VERSION}: webhook queue and background-job server, and its operator CLI`,
    "",
    "Usage: spindle <command> [options]",
    "",
    "Server:",
    ...SERVER_COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.summary}`),
    "",
    "Operate a running server (over REST):",
    ...GROUPS.map((g) => `  ${g.name.padEnd(10)}${g.commands.map((c) => c.name).join("|").padEnd(22)}${g.summary}`),
    `  ${"health".padEnd(32)}is the server healthy`,
    "",
    "Global options:",
    optionLines(GLOBAL_OPTIONS),
    "",
    EXIT_HELP,
    "",
    "Run `spindle <command> --help` for more.",
  ];
  return lines.join("\n");
}

function groupHelp(group: Group): string {
  const width = Math.max(...group.commands.map((c) => `${c.name} ${c.args ?? ""}`.length)) + 2;
  return [
    `Usage: spindle ${group.name} <command> [options]`,
    "",
    `${group.summary[0]!.toUpperCase()}${group.summary.slice(1)}.`,
    "",
    "Commands:",
    ...group.commands.map((c) => `  ${`${c.name} ${c.args ?? ""}`.padEnd(width)}${c.summary}`),
    "",
    `Run \`spindle ${group.name} <command> --help\` for its options.`,
  ].join("\n");
}

function commandHelp(path: string, command: Command): string {
  return [
    `Usage: spindle ${path}${command.args ? ` ${command.args}` : ""} [options]`,
    "",
    command.summary,
    ...(command.options?.length ? ["", "Options:", optionLines(command.options)] : []),
    "",
    "Global options:",
    optionLines(GLOBAL_OPTIONS),
    "",
    EXIT_HELP,
  ].join("\n");
}

const SERVER_HELP: Record<string, string> = {
  serve: `Usage: spindle serve\n\nRuns the server. Settings come from the environment (README "Configuration"): PORT, GRPC_PORT, DATABASE_URL\nor SPINDLE_DATA_DIR for the embedded database, ADMIN_API_KEY, … Stops cleanly on SIGTERM / SIGINT.`,
  migrate: "Usage: spindle migrate\n\nApplies the database migrations (DATABASE_URL or SPINDLE_DATA_DIR) and exits. `serve` migrates at start too.",
  version: "Usage: spindle version\n\nPrints the version.",
};

/** Whether argv is for the CLI rather than the server: anything but `serve` / `migrate` run for real. */
export function isCliInvocation(argv: string[]): boolean {
  const first = argv[0];
  if (first === undefined) return false;
  if (argv.includes("--help") || argv.includes("-h")) return true;
  return first !== "serve" && first !== "migrate";
}

/** Runs one CLI invocation, printing to stdout/stderr; resolves with the process exit code. */
export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [first, second] = argv;
  const wantsHelp = argv.includes("--help") || argv.includes("-h");
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    console.log(topHelp());
    return EXIT.ok;
  }
  if (first === "version" || first === "--version") {
    console.log(wantsHelp ? SERVER_HELP.version : `spindle ${VERSION}`);
    return EXIT.ok;
  }
  if (SERVER_HELP[first]) {
    console.log(SERVER_HELP[first]);
    return EXIT.ok;
  }

  let command: Command | undefined;
  let path = first;
  let rest: string[];
  if (first === "health") {
    command = healthCommand;
    rest = argv.slice(1);
  } else {
    const group = GROUPS.find((g) => g.name === first);
    if (!group) return usage(`unknown command ${first}`);
    if (second === undefined || second.startsWith("-")) {
      if (wantsHelp) {
        console.log(groupHelp(group));
        return EXIT.ok;
      }
      return usage(`spindle ${group.name} needs a command: ${group.commands.map((c) => c.name).join(", ")}`, groupHelp(group));
    }
    command = group.commands.find((c) => c.name === second);
    if (!command) return usage(`unknown command ${group.name} ${second}`, groupHelp(group));
    path = `${group.name} ${second}`;
    rest = argv.slice(2);
  }

  let json = false;
  try {
    const { words, options } = parseArgs(rest, [...(command.options ?? []), ...GLOBAL_OPTIONS]);
    if (options.help) {
      console.log(commandHelp(path, command));
      return EXIT.ok;
    }
    json = options.json === true;
    const connection = () => ({
      url: (typeof options.url === "string" ? options.url : env.SPINDLE_URL) || "http://127.0.0.1:8080",
      apiKey: (typeof options["api-key"] === "string" ? options["api-key"] : env.SPINDLE_API_KEY) || undefined,
    });
    const out = await command.run({ words, options, connection });
    console.log(json ? JSON.stringify(out.json, null, 2) : out.human);
    return out.exitCode ?? EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message, `Run \`spindle ${path} --help\` for usage.`);
    if (err instanceof CliFailure) {
      if (json) console.log(JSON.stringify(err.body ?? { code: "UNREACHABLE", message: err.message }, null, 2));
      console.error(`spindle: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}

function usage(message: string, hint = "Run `spindle --help` for usage."): number {
  console.error(`spindle: ${message}\n\n${hint}`);
  return EXIT.usage;
}
