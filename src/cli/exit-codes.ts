/**
 * What `spindle <command>` exits with, so scripts can branch on it (README "Use the CLI", docs/cli.md).
 * HTTP answers map onto these by kind, never by message.
 */
export const EXIT = {
  ok: 0,
  /** The server refused the request for another reason (invalid input, rate limit, server error). */
  failed: 1,
  /** The command line is wrong: unknown command or option, missing argument. */
  usage: 2,
  /** No server answered at SPINDLE_URL (refused, unresolvable, timed out). */
  unreachable: 3,
  /** Missing, invalid or insufficient credential (HTTP 401 / 403). */
  auth: 4,
  /** No such job, queue, schedule… (HTTP 404). */
  notFound: 5,
  /** The resource is in a state that forbids this (HTTP 409: cancelling a finished job, a taken slug). */
  conflict: 6,
  /** `spindle health`: the server answered but is not healthy (HTTP 503). */
  unhealthy: 7,
} as const;

export function exitCodeForStatus(status: number): number {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status === 503) return EXIT.unhealthy;
  return EXIT.failed;
}
