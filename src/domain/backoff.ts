/**
 * Retry delay after the attempt-th failure (0-based): exponential, capped, with "equal jitter" — a uniform
 * draw from the upper half of the capped exponential. Unlike full jitter it never retries immediately, and
 * unlike no jitter it spreads a burst of failures (a dead downstream) over time instead of re-aligning them.
 */
export function retryDelaySecs(attempt: number, policy: { baseSecs: number; capSecs: number }, random = Math.random): number {
  const exponential = Math.min(policy.capSecs, policy.baseSecs * 2 ** Math.min(attempt, 30));
  return exponential / 2 + random() * (exponential / 2);
}
