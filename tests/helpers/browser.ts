import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Debian's chromium (installed by .ci/run when missing); SPINDLE_CHROMIUM points elsewhere. Never a downloaded build. */
export const CHROMIUM = process.env.SPINDLE_CHROMIUM ?? "/usr/bin/chromium";

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A headless Chromium with a new empty profile and everything that would reach the network on its own turned off.
 * Returns why not when no browser can be had, so a test can skip and say so.
 */
export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<TestBrowser | { unavailable: string }> {
  if (!existsSync(CHROMIUM)) return { unavailable: `no browser at ${CHROMIUM} (apt-get install -y chromium, or set SPINDLE_CHROMIUM)` };
  const profile = mkdtempSync(join(tmpdir(), "spindle-chromium-"));
  try {
    // A persistent context is how Playwright takes a --user-data-dir: here a fresh, empty one per launch.
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    return {
      context,
      async close() {
        await context.close().catch(() => {});
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    return { unavailable: `chromium at ${CHROMIUM} did not start: ${(err as Error).message.split("\n")[0]}` };
  }
}
