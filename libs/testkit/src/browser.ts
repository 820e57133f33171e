import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`); playwright's own browser downloads do not work here. */
export const CHROMIUM = process.env["BW_CHROMIUM"] ?? "/usr/bin/chromium";

/** Flags for a quiet, headless, throwaway Chromium that reaches nothing but the pages it is sent to. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Whether the system browser is installed (tests that need it say so when it is not). */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Starts headless Chromium with a fresh profile in a temporary folder, driven
 * by playwright-core; `close()` ends it and removes the profile.
 */
export async function launchChromium(viewport = { width: 1400, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "bw-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      timeout: 30_000,
    });
    return {
      context,
      close: async () => {
        await context.close().catch(() => undefined);
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
