import { pathId } from "../body";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import * as ingestion from "../../engine/ingestion";

const INGEST_BODY_LIMIT = 5 * 1024 * 1024;

/** Public /api/v1/webhooks/{org_id}/… (contract §12): authenticated by token or signature, not by API key. */
export function ingestionRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.use(
    "*",
    bodyLimit({ maxSize: INGEST_BODY_LIMIT, onError: (c) => c.json({ code: "PAYLOAD_TOO_LARGE", message: `Request body exceeds ${INGEST_BODY_LIMIT} bytes` }, 413) }),
  );
  const request = (c: any): ingestion.IngestRequest => ({ orgId: pathId(c, "orgId"), header: (name) => c.req.header(name) });
  const raw = async (c: any) => Buffer.from(await c.req.arrayBuffer());

  app.post("/:orgId/custom", async (c) => c.json(await ingestion.ingestCustom(engine, request(c), await raw(c))));
  app.post("/:orgId/github", async (c) => c.json(await ingestion.ingestGithub(engine, request(c), await raw(c))));
  app.post("/:orgId/stripe", async (c) => c.json(await ingestion.ingestStripe(engine, request(c), await raw(c))));
  return app;
}
