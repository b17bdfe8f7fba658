import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export interface Persona {
  context: BrowserContext;
  page: Page;
  /** uncaught exceptions and Content-Security-Policy violations in the console's pages since the last call */
  takeErrors(): string[];
  close(): Promise<void>;
}

/** One headless Chromium per persona, each on its own fresh profile (--user-data-dir), so sessions never mix. */
export async function openPersona(baseURL: string, viewport: { width: number; height: number }): Promise<Persona> {
  const profile = mkdtempSync(join(tmpdir(), 'perks-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    baseURL,
    viewport,
    isMobile: viewport.width < 600,
    hasTouch: viewport.width < 600,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  let errors: string[] = [];
  context.on('weberror', (error) => errors.push(error.error().message));
  // Whatever the page's Content-Security-Policy blocks (an inline style or script) counts as an error too.
  context.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) errors.push(message.text());
  });
  return {
    context,
    page,
    takeErrors: () => {
      const taken = errors;
      errors = [];
      return taken;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
