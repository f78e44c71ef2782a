import { Hono, type Context } from "hono";
import { bearerOf, type AppEnv, type RequestAuth } from "../auth";
import type { Engine } from "../../engine/context";
import { readBody } from "../body";
import * as tokens from "../../engine/tokens";
import { billingEmailRegistered } from "../../engine/orgs";
import { emailStartSchema, loginSchema, logoutSchema, refreshSchema, validateTokenSchema } from "../../domain/account-schemas";
import { unauthorized, validationError } from "../../domain/errors";

const EMAIL_LOGIN_UNAVAILABLE = {
  code: "NOT_IMPLEMENTED",
  error: "not_implemented",
  message: "Email login is not available on this server: it has no mail provider. Log in with an API key (POST /api/v1/auth/login).",
};

/** /auth: JWT login with an API key, refresh, logout (denylist in the database), me, validate. */
export function authRoutes(engine: Engine, auth: RequestAuth) {
  const app = new Hono<AppEnv>();
  app.post("/login", async (c) => c.json(await tokens.login(engine, (await readBody(c, loginSchema)).api_key)));
  app.post("/refresh", async (c) => c.json(await tokens.refresh(engine, (await readBody(c, refreshSchema)).refresh_token)));
  app.post("/validate", async (c) => c.json(await tokens.validate(engine, (await readBody(c, validateTokenSchema)).token)));
  app.get("/me", async (c) => {
    const bearer = bearerOf(c);
    if (!bearer) throw unauthorized("Missing or invalid Authorization header");
    return c.json(await tokens.me(engine, bearer));
  });
  app.post("/logout", auth.require(), async (c) => {
    const body = await readBody(c, logoutSchema);
    await tokens.logout(engine, bearerOf(c)!, body.refresh_token ?? undefined);
    return c.body(null, 204);
  });

  // Without a mail provider there is no email login: a clear 501 (the contract tolerates any error here).
  app.post("/email/start", async (c) => {
    await readBody(c, emailStartSchema);
    return c.json(EMAIL_LOGIN_UNAVAILABLE, 501);
  });
  app.post("/email/verify", (c) => c.json(EMAIL_LOGIN_UNAVAILABLE, 501));
  const checkEmail = async (c: Context<AppEnv>) => {
    const email = c.req.query("email")?.trim();
    if (!email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw validationError([{ field: "email", message: "email must be a valid email", code: "invalid_format" }]);
    const exists = await billingEmailRegistered(engine, email);
    return c.json({ available: !exists, exists, signup_enabled: false });
  };
  // The contract's path, and the one the official Python SDK calls.
  app.get("/check-email", checkEmail);
  app.get("/email/check", checkEmail);
  return app;
}
