import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Locator, Page } from 'playwright-core';
import { Api } from './api';
import { DESKTOP, openPersona, Persona, PHONE } from './browser';

export const SCREENSHOTS_DIR = join(__dirname, 'screenshots');
export const PASSWORD = 'browser-test-password';
export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** What the journeys share: one platform, one browser per persona, and what earlier steps created. */
export class World {
  readonly run = randomBytes(3).toString('hex');
  readonly api: Api;
  personas = new Map<string, Persona>();
  memberEmail = `ada-${this.run}@browser.test`;
  brandEmail = `beans-${this.run}@browser.test`;
  campaignName = `Morning Beans ${this.run}`;
  perkTitle = `A free bag of beans ${this.run}`;
  campaignId?: string;
  physicalTitle = `A travel mug ${this.run}`;
  physicalCampaignId?: string;
  closedCampaignId?: string;

  constructor(
    readonly baseUrl: string,
    private readonly databaseUrl: string,
  ) {
    this.api = new Api(baseUrl);
  }

  /** One statement on the platform's database: for what happens outside the platform, never for what a user does. */
  async sql(text: string, values: unknown[] = []): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      await client.query(text, values);
    } finally {
      await client.end();
    }
  }

  async persona(name: 'member' | 'brand' | 'admin'): Promise<Page> {
    let persona = this.personas.get(name);
    if (!persona) {
      // The member uses a phone-sized screen throughout; brands and admins a desktop.
      persona = await openPersona(this.baseUrl, name === 'member' ? PHONE : DESKTOP);
      this.personas.set(name, persona);
    }
    return persona.page;
  }

  need<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`cannot run: ${what} (an earlier journey step failed)`);
    return value;
  }

  async token(name: 'member' | 'brand' | 'admin'): Promise<string> {
    const page = await this.persona(name);
    const session = await page.evaluate(() => localStorage.getItem('perks.session'));
    return this.need(session ? (JSON.parse(session) as { accessToken: string }).accessToken : undefined, `the ${name} is not logged in`);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.personas.values()].map((persona) => persona.close()));
  }
}

/** Waits for something a person would see; on failure says what the page showed instead. */
export async function see(page: Page, locator: Locator, what: string, timeout = 15_000): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`expected to see ${what}; ${await pageProblems(page)}`);
  }
}

async function pageProblems(page: Page): Promise<string> {
  const alerts = (await page.locator('[role=alert]').allInnerTexts().catch(() => [])).filter(Boolean);
  return alerts.length ? `the page at ${page.url()} says: "${alerts.join('" | "')}"` : `the page is at ${page.url()}`;
}

/**
 * Saves a screenshot and checks the page the way a person would notice: it must not scroll
 * sideways (even on a phone), and every form control must have a label.
 */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
  const { scrollWidth, innerWidth, unlabelled } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    unlabelled: [...document.querySelectorAll<HTMLInputElement>('input:not([type=hidden]), select, textarea')]
      .filter((control) => (control.labels?.length ?? 0) === 0 && !control.getAttribute('aria-label'))
      .map((control) => control.outerHTML.slice(0, 80)),
  }));
  if (scrollWidth > innerWidth) throw new Error(`${name}: the page is ${scrollWidth}px wide on a ${innerWidth}px screen`);
  if (unlabelled.length) throw new Error(`${name}: form controls without a label: ${unlabelled.join(', ')}`);
}

/** Opens a console page afresh; a hash-only change of the same URL would keep stale data. */
export async function visit(page: Page, path: string): Promise<void> {
  if (page.url().endsWith(path)) await page.reload();
  else await page.goto(path);
}

/** Reloads the page until `locator` shows up (for work the queues finish in the background). */
export async function reloadUntil(page: Page, locator: Locator, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await locator.first().isVisible().catch(() => false)) return;
    await page.waitForTimeout(1500);
    if (await locator.first().isVisible().catch(() => false)) return;
    await page.reload();
    await page.waitForLoadState('networkidle').catch(() => undefined);
  }
  throw new Error(`expected to see ${what} within ${timeoutMs / 1000}s; ${await pageProblems(page)}`);
}

export interface Journey {
  name: string;
  run(world: World): Promise<void>;
}
