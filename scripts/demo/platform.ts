import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Api, DemoError, sleep } from './api';
import { ok, say, yellow } from './ui';

export interface Member {
  id: string;
  email: string;
  token: string;
  country: string;
}

export interface ClaimOutcome {
  member: Member;
  status: number;
  code?: string;
  claimId?: string;
  /** a double tap: the same Idempotency-Key again */
  replay?: boolean;
  /** a second claim with a new Idempotency-Key */
  again?: boolean;
}

/** The dev-only bulk seed (set-based SQL into DATABASE_URL), with its own progress bar. */
export function seedMembers(count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'seed:members', '--', String(count)], { stdio: 'inherit', cwd: join(__dirname, '..', '..') });
    child.on('error', (error) => reject(new DemoError('bulk members', `npm run seed:members could not start: ${error.message}`)));
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new DemoError('bulk members', `npm run seed:members exited ${code}`, 'Is DATABASE_URL the database of the platform the demo talks to?')),
    );
  });
}

export async function login(api: Api, step: string, email: string, password: string): Promise<string> {
  const res = await api.call<{ accessToken: string }>(step, 'POST', '/auth/login', { body: { email, password }, expect: [200] });
  return res.body.accessToken;
}

export async function claim(api: Api, campaignId: string, member: Member, key: string): Promise<ClaimOutcome> {
  const res = await api.call<{ id?: string; code?: string }>('claim', 'POST', `/campaigns/${campaignId}/claims`, {
    token: member.token,
    headers: { 'idempotency-key': key },
    body: { acceptDisclosure: true },
    expect: [201, 403, 409],
  });
  return { member, status: res.status, claimId: res.body.id, code: res.status === 201 ? undefined : res.body.code };
}

export interface Stats {
  totalUnits: number;
  claimedUnits: number;
  fulfilledUnits: number;
  failedUnits: number;
  remainingUnits: number;
  offeredMembers: number;
  fundedCents: number;
  refundedCents: number;
}

export async function campaignStats(api: Api, campaignId: string, token: string): Promise<Stats> {
  return (await api.call<Stats>('stats', 'GET', `/campaigns/${campaignId}/stats`, { token, expect: [200] })).body;
}

/**
 * Pays a checkout session. With the bundled fake Stripe server (no STRIPE_SECRET_KEY), its
 * test control pays the session and sends the signed webhook; with real Stripe, a person pays.
 */
export async function payCheckout(checkoutUrl: string, sessionId: string): Promise<void> {
  const origin = new URL(checkoutUrl).origin;
  try {
    const res = await fetch(`${origin}/_fake/sessions/${encodeURIComponent(sessionId)}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (res.ok) {
      ok('paid with the fake Stripe server\'s test card (it sends the signed checkout.session.completed event)');
      return;
    }
    say(yellow(`the checkout server did not accept the test payment (${res.status}): open the checkout URL above and pay there`));
  } catch {
    say(yellow('this is not the fake Stripe server: open the checkout URL above and pay there; waiting for the webhook'));
  }
}

export async function waitFor(step: string, what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) {
      throw new DemoError(step, `timed out after ${timeoutMs / 1000} s waiting for: ${what}`, 'Are all services running (matching-service, fulfillment-service)? `npm start` starts them all.');
    }
    await sleep(300);
  }
}

export function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(0);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
