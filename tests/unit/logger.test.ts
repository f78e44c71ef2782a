import { describe, test, expect, afterEach } from "bun:test";
import { createLogger, redact, routeConsoleThrough, type Level } from "../../src/logger";

const capture = (json: boolean) => {
  const lines: { line: string; level: Level }[] = [];
  return { lines, log: createLogger({ json, write: (line, level) => lines.push({ line, level }) }) };
};

const API_KEY = "sk_live_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u";
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcmcxIn0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";

describe("structured logs", () => {
  test("JSON_LOGS: one JSON object per event with ts, level, component, message and id fields", () => {
    const { lines, log } = capture(true);
    log.child("lease-reaper").warn("job back to queue", { job_id: "job-1", org_id: "org-1", retry_count: 2 });
    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0]!.line);
    expect(event).toMatchObject({ level: "warn", component: "lease-reaper", msg: "job back to queue", job_id: "job-1", org_id: "org-1", retry_count: 2 });
    expect(Number.isNaN(Date.parse(event.ts))).toBe(false);
    expect(lines[0]!.level).toBe("warn");
  });

  test("human lines otherwise: [component] message key=value, level named when not info", () => {
    const { lines, log } = capture(false);
    log.child("grpc").info("listening", { port: 50051 });
    log.child("http").error("request failed", { request_id: "r 1" });
    expect(lines.map((l) => l.line)).toEqual(["[grpc] listening port=50051", 'ERROR [http] request failed request_id="r 1"']);
  });

  test("no secret reaches a line: credential-named fields, API keys, bearer tokens, JWTs, URL passwords", () => {
    for (const json of [true, false]) {
      const { lines, log } = capture(json);
      log.error(`login with ${API_KEY} failed; header Bearer ${JWT}`, {
        api_key: "anything-at-all",
        headers: { authorization: "Basic dXNlcjpwYXNzd29yZA==", "x-request-id": "req-9" },
        webhook_secret: "whsec_abcdefghijklmnop",
        database: "postgres://spindle:hunter2-very-secret@db.internal:5432/spindle",
        nested: [{ token: "t0k3n-value" }, { jwt_secret: "0123456789abcdef0123456789abcdef" }],
        error: new Error(`refused ${API_KEY}`),
      });
      const out = lines.map((l) => l.line).join("\n");
      for (const secret of ["Zm9vYmFy", "c2lnbmF0dXJl", "anything-at-all", "dXNlcjpw", "abcdefghijklmnop", "hunter2", "t0k3n-value", "0123456789abcdef"]) {
        expect(out).not.toContain(secret);
      }
      expect(out).toContain("req-9"); // ids stay
      expect(out).toContain("db.internal:5432"); // so does the rest of the URL
    }
  });

  test("redaction leaves ordinary values alone and never throws on cycles", () => {
    const cyclic: any = { job_id: "j", status: "pending", has_secret: true };
    cyclic.self = cyclic;
    const out = redact(cyclic) as any;
    expect(out.job_id).toBe("j");
    expect(out.has_secret).toBe(true);
  });

  describe("console routed through the logger", () => {
    const saved = { log: console.log, warn: console.warn, error: console.error, info: console.info, debug: console.debug };
    afterEach(() => Object.assign(console, saved));

    test("a '[component] message' line becomes that component's event, a trailing object its fields, redacted", () => {
      const { lines, log } = capture(true);
      routeConsoleThrough(log);
      console.warn("[delivery] attempt failed:", { job_id: "j-7", authorization: "Bearer abcdefghijkl" });
      console.log(`[cluster] this node leads with key ${API_KEY}`);
      Object.assign(console, saved);
      const events = lines.map((l) => JSON.parse(l.line));
      expect(events[0]).toMatchObject({ level: "warn", component: "delivery", msg: "attempt failed", job_id: "j-7", authorization: "[redacted]" });
      expect(events[1]).toMatchObject({ level: "info", component: "cluster" });
      expect(events[1].msg).not.toContain("Zm9vYmFy");
    });
  });
});
