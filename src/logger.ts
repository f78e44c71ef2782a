import { format } from "node:util";

/**
 * Logging (docs/operations.md "Logs"): one JSON object per line when JSON_LOGS=true (Spooled's setting), a human
 * line otherwise. Every line passes through redaction first, so a secret handed to a log call by mistake (a
 * field named like a credential, an API key, a bearer token, a database URL's password) never reaches the output.
 */

export type Level = "debug" | "info" | "warn" | "error";
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(component: string): Logger;
}

export interface LoggerOptions {
  json: boolean;
  component?: string;
  /** Where finished lines go (stdout for debug/info, stderr for warn/error by default). */
  write?: (line: string, level: Level) => void;
}

const REDACTED = "[redacted]";
/** Field names whose values are credentials whatever they hold. */
const SECRET_KEY = /pass(word)?|secret|token|api[_-]?key|authorization|cookie|jwt|signature|private[_-]?key|credential/i;
/** Credentials recognisable inside free text. */
const SECRET_TEXT: [RegExp, string][] = [
  [/\bsk_(live|test)_[A-Za-z0-9_-]{8,}/g, `sk_$1_${REDACTED}`], // API keys
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED], // JWTs
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]+@/gi, `$1${REDACTED}@`], // passwords in URLs
  [/\bwhsec_[A-Za-z0-9+/=_-]{8,}/g, `whsec_${REDACTED}`], // webhook signing secrets
];

export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/** A copy of a value with credentials replaced; cycles and depth are bounded so that logging never throws. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (value instanceof Error) return redactText(value.stack ?? `${value.name}: ${value.message}`);
  if (value === null || typeof value !== "object") return value;
  if (depth > 6) return "[nested]";
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redact(v, depth + 1));
  const out: Fields = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined && typeof v !== "boolean" ? REDACTED : redact(v, depth + 1);
  return out;
}

const defaultWrite = (line: string, level: Level) => (level === "warn" || level === "error" ? process.stderr : process.stdout).write(line + "\n");

function humanValue(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export function createLogger(opts: LoggerOptions): Logger {
  const write = opts.write ?? defaultWrite;
  const emit = (level: Level, msg: string, fields?: Fields) => {
    const clean = (fields ? redact(fields) : {}) as Fields;
    const text = redactText(msg);
    if (opts.json) {
      write(JSON.stringify({ ts: new Date().toISOString(), level, ...(opts.component ? { component: opts.component } : {}), msg: text, ...clean }), level);
    } else {
      const extra = Object.entries(clean).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${humanValue(v)}`).join(" ");
      const prefix = opts.component ? `[${opts.component}] ` : "";
      write(`${level === "info" ? "" : `${level.toUpperCase()} `}${prefix}${text}${extra ? ` ${extra}` : ""}`, level);
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (component) => createLogger({ ...opts, component }),
  };
}

/**
 * Sends console.log/info/warn/error of every module through a logger, so existing "[component] message" lines
 * become structured (component taken from the prefix, a trailing plain object as fields, an Error as `error`)
 * and redacted, without each module knowing about logging.
 */
export function routeConsoleThrough(logger: Logger): void {
  const route = (level: Level) => (...args: unknown[]) => {
    let fields: Fields | undefined;
    const last = args.at(-1);
    if (args.length > 1 && last instanceof Error) fields = { error: args.pop() };
    else if (args.length > 1 && last && typeof last === "object" && Object.getPrototypeOf(last) === Object.prototype) fields = args.pop() as Fields;
    let msg = format(...args).replace(/:\s*$/, "");
    const m = /^\[([\w.-]+)\]\s*(.*)$/s.exec(msg);
    const target = m ? logger.child(m[1]!) : logger;
    if (m) msg = m[2]!;
    target[level](msg, fields);
  };
  console.log = route("info");
  console.info = route("info");
  console.warn = route("warn");
  console.error = route("error");
  console.debug = route("debug");
}
