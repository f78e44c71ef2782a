/**
 * Preloaded into a real server process by the lifecycle test: on SIGUSR2 it throws an exception nobody catches
 * (CRASH_KIND=exception) or rejects a promise nobody handles (CRASH_KIND=rejection), as a bug would.
 */
process.on("SIGUSR2", () => {
  if (process.env.CRASH_KIND === "rejection") void Promise.reject(new Error("rejection nobody handles (test)"));
  else setTimeout(() => {
    throw new Error("exception nobody catches (test)");
  }, 0);
});
