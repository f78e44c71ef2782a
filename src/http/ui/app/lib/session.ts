import { Cell } from "./cell";

/**
 * The credential (an API key or a JWT) lives in sessionStorage only: it is sent as a bearer header by our own
 * code, never as a cookie, so no other origin's request can carry it, and it is gone when the tab closes.
 */
const STORAGE_KEY = "spindle.credential";

export const credential = new Cell<string | null>(sessionStorage.getItem(STORAGE_KEY));

export function logIn(value: string): void {
  sessionStorage.setItem(STORAGE_KEY, value);
  credential.set(value);
}

export function logOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  credential.set(null);
}
