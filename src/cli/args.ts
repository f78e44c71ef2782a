/**
 * The command line as words and options: `--name value`, `--name=value`, bare `--flag` for booleans, `-h`.
 * Only options a command declares are accepted, so a typo is a usage error rather than silently ignored.
 */
export interface OptionSpec {
  name: string;
  /** Shown in help: what the value is ("QUEUE", "N"), or undefined for a flag. */
  value?: string;
  help: string;
}

export interface ParsedArgs {
  words: string[];
  options: Record<string, string | true>;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], specs: OptionSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const words: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h") {
      options.help = true;
      continue;
    }
    if (!arg.startsWith("--") || arg === "--") {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (!spec.value) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      options[name] = true;
    } else if (eq >= 0) {
      options[name] = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`--${name} needs a value (${spec.value})`);
      options[name] = next;
      i++;
    }
  }
  return { words, options };
}

/** A positive integer option, or undefined when absent. */
export function intOption(options: ParsedArgs["options"], name: string): number | undefined {
  const raw = options[name];
  if (raw === undefined) return undefined;
  if (raw === true || !/^\d{1,9}$/.test(raw)) throw new UsageError(`--${name} must be a whole number`);
  return Number(raw);
}

export function textOption(options: ParsedArgs["options"], name: string): string | undefined {
  const raw = options[name];
  return raw === true ? undefined : raw;
}
