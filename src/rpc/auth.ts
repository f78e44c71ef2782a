import type { Engine, Principal } from "../engine/context";
import { authenticateApiKey } from "../engine/auth";
import { unauthorized } from "../domain/errors";

/**
 * The API key of a call: `x-api-key` metadata wins over `authorization` ("Bearer <key>", any case, or the bare key).
 * JWTs are not accepted on gRPC, so the value always goes to the API-key lookup.
 */
export function apiKeyFromMetadata(headers: Headers): string | undefined {
  const direct = headers.get("x-api-key")?.trim();
  if (direct) return direct;
  const auth = headers.get("authorization")?.trim();
  if (!auth) return undefined;
  const bearer = /^bearer\s+(\S+)$/i.exec(auth);
  return bearer ? bearer[1] : auth;
}

export async function authenticateCall(engine: Engine, headers: Headers): Promise<Principal> {
  const key = apiKeyFromMetadata(headers);
  if (!key) throw unauthorized("Missing x-api-key or authorization header");
  return authenticateApiKey(engine, key);
}

/**
 * Long-lived streams re-check their key every 32 messages or 30 s, so that revoking a key stops open streams.
 */
export class StreamAuthorization {
  private messages = 0;
  private checkedAt = Date.now();

  constructor(private engine: Engine, private headers: Headers, public principal: Principal) {}

  /** Called once per message; re-reads the key when the message or time budget is used up. */
  async recheck(): Promise<void> {
    this.messages++;
    if (this.messages < 32 && Date.now() - this.checkedAt < 30_000) return;
    this.messages = 0;
    this.checkedAt = Date.now();
    this.principal = await authenticateCall(this.engine, this.headers);
  }
}
