import { useState } from "preact/hooks";
import { api, ApiError } from "../lib/api";
import { logIn } from "../lib/session";
import { Icon } from "../components/icons";

/** Paste an API key (or a JWT): it is checked against the API before it is kept for this tab. */
export function Login() {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const key = value.trim();
    if (!key) return setError("Paste an API key first.");
    setBusy(true);
    setError(undefined);
    try {
      await api("GET", "/jobs/stats", undefined, key);
      logIn(key);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? "That key was not accepted. Check it and try again." : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="login">
      <form class="login-card" onSubmit={submit}>
        <div class="brand login-brand">
          <img class="brand-mark" src="/ui/assets/icon.svg" alt="" />
          Spindle
        </div>
        <h1>Operator dashboard</h1>
        <p class="muted">Paste an API key of your organization. It stays in this tab only (session storage) and is sent as a bearer header.</p>
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck={false} placeholder="sk_live_…" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        {error && (
          <p class="error-note" role="alert">
            {error}
          </p>
        )}
        <button class="btn btn-primary btn-wide" type="submit" disabled={busy}>
          <Icon name="key" size={16} /> {busy ? "Checking…" : "Open dashboard"}
        </button>
        <p class="hint">
          No key yet? Create an organization with <code>POST /api/v1/organizations</code>: its answer holds the first key.
        </p>
      </form>
    </div>
  );
}
