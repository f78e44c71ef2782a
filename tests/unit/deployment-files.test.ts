import { test, expect } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ROUTES } from "../../src/http/openapi/routes";

// The image and the scale-out setup are built and run by scripts/build-image.sh (docs/distribution.md); these
// checks keep the files agreeing with each other and with the server whenever one of them changes.
const repo = resolve(import.meta.dir, "../..");
const compose = Bun.YAML.parse(readFileSync(resolve(repo, "compose.yaml"), "utf8")) as any;
const dockerfile = readFileSync(resolve(repo, "Dockerfile"), "utf8");
const instructions = dockerfile.replace(/\\\n/g, " ").split("\n").filter((l) => /^[A-Z]+ /.test(l));
const servedGet = (path: string) => ROUTES.some((r) => r.method === "get" && r.path === path);

test("Dockerfile: multi-stage, non-root, a HEALTHCHECK through a served route, /data a volume", () => {
  expect(instructions.filter((l) => l.startsWith("FROM ")).length).toBe(2);
  const user = instructions.filter((l) => l.startsWith("USER ")).at(-1);
  expect(user).toBe("USER spindle");
  expect(dockerfile).toMatch(/useradd --system --uid 10001/);
  const health = instructions.find((l) => l.startsWith("HEALTHCHECK "))!;
  expect(health).toContain("spindle health");
  expect(servedGet("/health/ready")).toBe(true); // what `spindle health` asks
  expect(instructions).toContain('VOLUME ["/data"]');
  expect(instructions).toContain("EXPOSE 8080 50051");
  expect(dockerfile).toMatch(/SPINDLE_DATA_DIR=\/data/);
});

test("compose.yaml: PostgreSQL, two Spindle replicas on it, and a proxy over both", () => {
  const services = compose.services as Record<string, any>;
  const replicas = Object.entries(services).filter(([, s]) => s.image === "spindle:local");
  expect(replicas.map(([name]) => name).sort()).toEqual(["spindle-1", "spindle-2"]);

  const pg = services.postgres;
  expect(pg.healthcheck.test).toContain("pg_isready");
  for (const [, replica] of replicas) {
    const url = new URL(replica.environment.DATABASE_URL);
    expect(url.hostname).toBe("postgres");
    expect([url.username, url.password, url.pathname.slice(1)]).toEqual([pg.environment.POSTGRES_USER, pg.environment.POSTGRES_PASSWORD, pg.environment.POSTGRES_DB]);
    expect(replica.depends_on.postgres.condition).toBe("service_healthy");
    expect(replica.environment.JWT_SECRET).toContain("JWT_SECRET");
  }

  const proxy = services.proxy;
  expect(proxy.ports).toEqual(["8080:8080", "50051:50051"]);
  expect(Object.keys(proxy.depends_on).sort()).toEqual(["spindle-1", "spindle-2"]);
  const caddyfile: string = compose.configs[proxy.configs[0].source].content;
  expect(caddyfile).toContain("reverse_proxy spindle-1:8080 spindle-2:8080");
  expect(caddyfile).toContain("reverse_proxy h2c://spindle-1:50051 h2c://spindle-2:50051");
  const healthUri = /health_uri (\S+)/.exec(caddyfile)![1]!;
  expect(servedGet(healthUri)).toBe(true);
});
