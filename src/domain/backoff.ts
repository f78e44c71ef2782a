/**
 * Retry delay after the attempt-th failure (0-based): exponential, capped, with "equal jitter" — a uniform
 * draw from the upper half of the capped exponential. Unlike full jitter it never retries immediately, and
 * unlike no jitter it spreads a burst of failures (a dead downstream) over time instead of re-aligning them.
 */
export function retryDelaySecs(attempt: number, policy: { baseSecs: number; capSecs: number }, random = Math.random): number {
  const exponential = Math.min(policy.capSecs, policy.baseSecs * 2 ** Math.min(attempt, 30));
  return exponential / 2 + random() * (exponential / 2);
}

export interface FailureDecision {
  status: "pending" | "deadletter";
  delaySecs: number | null;
}

/** retry_count < max_retries (before incrementing) and the caller allows a retry → pending after a delay. */
export function decideFailure(
  job: { retry_count: number; max_retries: number },
  allowRetry: boolean,
  policy: { baseSecs: number; capSecs: number },
  random = Math.random,
): FailureDecision {
  if (allowRetry && job.retry_count < job.max_retries) {
    return { status: "pending", delaySecs: retryDelaySecs(job.retry_count, policy, random) };
  }
  return { status: "deadletter", delaySecs: null };
}
