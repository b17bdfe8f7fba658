import fc from 'fast-check';
import { ErrorCode } from '@app/domain';
import { allocateClaims, ClaimRequest, StockRow, StoredClaim } from './claim-allocation';

const CAMPAIGN = 'c1';
const at = new Date('2026-11-26T00:00:00Z');

/** PostgreSQL as the claim writer sees it: the campaign row and the stored claims. */
class DbModel {
  claims: (StoredClaim & { status: 'pending' | 'failed' })[] = [];
  constructor(public stock: StockRow) {}

  write(requests: ClaimRequest[]) {
    const { decisions, claimedDelta } = allocateClaims(new Map([[CAMPAIGN, { ...this.stock }]]), this.claims, requests);
    decisions.forEach((d, i) => {
      if (d.kind === 'accept') this.claims.push({ ...requests[i], memberSlot: d.slot, live: true, status: 'pending' });
    });
    this.stock.claimedUnits += claimedDelta.get(CAMPAIGN) ?? 0;
    return decisions;
  }

  fail(index: number): string | null {
    const live = this.claims.filter((c) => c.live);
    if (!live.length) return null;
    const claim = live[index % live.length];
    claim.live = false;
    claim.status = 'failed';
    this.stock.claimedUnits -= 1;
    return claim.memberId;
  }
}

/** The Redis gate, mirroring the Lua scripts in claim-gate.scripts.ts. */
class GateModel {
  state: { total: number; claimed: number; open: boolean; limit: number; epoch: number } | null = null;
  members = new Map<string, number>();
  idem = new Map<string, 'pending' | 'committed'>();
  private epochs = 0;

  load(db: DbModel): void {
    this.members = new Map();
    for (const c of db.claims.filter((x) => x.live)) this.members.set(c.memberId, (this.members.get(c.memberId) ?? 0) + 1);
    this.state = { total: db.stock.totalUnits, claimed: db.stock.claimedUnits, open: db.stock.open, limit: db.stock.perMemberLimit, epoch: ++this.epochs };
  }

  reserve(member: string, key: string): { kind: string; epoch?: number } {
    if (!this.state) return { kind: 'miss' };
    if (this.idem.has(`${member}|${key}`)) return { kind: 'replay' };
    if (!this.state.open) return { kind: 'closed' };
    if ((this.members.get(member) ?? 0) >= this.state.limit) return { kind: 'limit' };
    if (this.state.claimed >= this.state.total) return { kind: 'sold_out' };
    this.state.claimed++;
    this.members.set(member, (this.members.get(member) ?? 0) + 1);
    this.idem.set(`${member}|${key}`, 'pending');
    return { kind: 'ok', epoch: this.state.epoch };
  }

  settle(member: string, key: string, epoch: number, mode: 'release' | 'sold_out' | 'limit' | 'closed'): void {
    this.idem.delete(`${member}|${key}`);
    if (!this.state || this.state.epoch !== epoch) return;
    if (mode === 'sold_out') this.state.claimed = this.state.total;
    else if (this.state.claimed > 0) this.state.claimed--;
    if (mode === 'limit') this.members.set(member, this.state.limit);
    else if ((this.members.get(member) ?? 0) > 0) this.members.set(member, (this.members.get(member) ?? 0) - 1);
    if (mode === 'closed') this.state.open = false;
  }

  release(member: string): void {
    if (!this.state) return;
    if (this.state.claimed > 0) this.state.claimed--;
    if ((this.members.get(member) ?? 0) > 0) this.members.set(member, (this.members.get(member) ?? 0) - 1);
  }
}

type Event =
  | { t: 'reserve'; member: number; key: number }
  | { t: 'commit'; pick: number }
  | { t: 'crash'; pick: number }
  | { t: 'dbOnly'; member: number; key: number }
  | { t: 'refresh' }
  | { t: 'wipe' }
  | { t: 'fail'; pick: number }
  | { t: 'adjust'; delta: number };

const member = fc.integer({ min: 0, max: 7 });
const key = fc.integer({ min: 0, max: 3 });
const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('reserve' as const), member, key }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('commit' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('crash' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('dbOnly' as const), member, key }) },
  { weight: 1, arbitrary: fc.constant({ t: 'refresh' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'wipe' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('fail' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('adjust' as const), delta: fc.integer({ min: -3, max: 3 }) }) },
);

function assertInvariants(db: DbModel): void {
  const live = db.claims.filter((c) => c.live);
  expect(db.stock.claimedUnits).toBe(live.length);
  expect(db.stock.claimedUnits).toBeLessThanOrEqual(db.stock.totalUnits);
  const slots = new Set<string>();
  for (const c of live) {
    expect(c.memberSlot).toBeGreaterThanOrEqual(1);
    expect(c.memberSlot).toBeLessThanOrEqual(db.stock.perMemberLimit);
    expect(slots.has(`${c.memberId}|${c.memberSlot}`)).toBe(false);
    slots.add(`${c.memberId}|${c.memberSlot}`);
  }
  const keys = db.claims.map((c) => `${c.memberId}|${c.idempotencyKey}`);
  expect(new Set(keys).size).toBe(keys.length);
}

describe('claim allocation and gate (properties)', () => {
  it('never oversells, never exceeds the per-member limit, never stores a key twice — whatever the gate believes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.array(event, { maxLength: 80 }), (total, limit, events) => {
        const db = new DbModel({ id: CAMPAIGN, open: true, totalUnits: total, claimedUnits: 0, perMemberLimit: limit });
        const gate = new GateModel();
        const inflight: { member: string; key: string; epoch: number; request: ClaimRequest }[] = [];
        let ids = 0;
        // While nothing put the gate out of step (crash, Redis down or wiped, reload during
        // in-flight claims), the gate must agree with PostgreSQL exactly.
        let exact = true;
        const request = (m: number, k: number): ClaimRequest => ({ id: `id${ids++}`, campaignId: CAMPAIGN, memberId: `m${m}`, idempotencyKey: `k${k}`, createdAt: at });

        for (const e of events) {
          switch (e.t) {
            case 'reserve': {
              if (!gate.state) {
                gate.load(db);
                exact = !inflight.length;
              }
              const outcome = gate.reserve(`m${e.member}`, `k${e.key}`);
              if (outcome.kind === 'ok') inflight.push({ member: `m${e.member}`, key: `k${e.key}`, epoch: outcome.epoch as number, request: request(e.member, e.key) });
              break;
            }
            case 'commit': {
              if (!inflight.length) break;
              const [r] = inflight.splice(e.pick % inflight.length, 1);
              const [decision] = db.write([r.request]);
              // A replay can still reach PostgreSQL after Redis lost its markers; a refusal cannot.
              if (exact) expect(decision.kind).not.toBe('refuse');
              if (decision.kind === 'accept') gate.idem.set(`${r.member}|${r.key}`, 'committed');
              else if (decision.kind === 'replay') gate.settle(r.member, r.key, r.epoch, 'release');
              else {
                const mode = decision.code === ErrorCode.SoldOut ? 'sold_out' : decision.code === ErrorCode.ClaimLimitReached ? 'limit' : 'release';
                gate.settle(r.member, r.key, r.epoch, mode);
              }
              break;
            }
            case 'crash':
              if (inflight.length) inflight.splice(e.pick % inflight.length, 1);
              exact = false;
              break;
            case 'dbOnly':
              db.write([request(e.member, e.key)]);
              exact = false;
              break;
            case 'refresh':
              gate.load(db);
              exact = !inflight.length;
              break;
            case 'wipe':
              gate.state = null;
              gate.idem.clear();
              break;
            case 'fail': {
              const failed = db.fail(e.pick);
              if (failed) gate.release(failed);
              break;
            }
            case 'adjust':
              db.stock.totalUnits = Math.max(db.stock.claimedUnits, db.stock.totalUnits + e.delta);
              gate.load(db);
              exact = !inflight.length;
              break;
          }
          assertInvariants(db);
          if (exact && gate.state) {
            expect(gate.state.claimed).toBe(db.stock.claimedUnits + inflight.length);
            for (const m of new Set([...gate.members.keys(), ...db.claims.map((c) => c.memberId)])) {
              const expected = db.claims.filter((c) => c.live && c.memberId === m).length + inflight.filter((r) => r.member === m).length;
              expect(gate.members.get(m) ?? 0).toBe(expected);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('decides a batch like the same requests one by one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.tuple(member, key), { maxLength: 30 }),
        (total, limit, pairs) => {
          const stock: StockRow = { id: CAMPAIGN, open: true, totalUnits: total, claimedUnits: 0, perMemberLimit: limit };
          const requests = pairs.map(([m, k], i) => ({ id: `r${i}`, campaignId: CAMPAIGN, memberId: `m${m}`, idempotencyKey: `k${k}`, createdAt: at }));
          const batched = new DbModel({ ...stock }).write(requests);
          const single = new DbModel({ ...stock });
          const oneByOne = requests.map((r) => single.write([r])[0]);
          expect(batched.map((d) => d.kind + ('code' in d ? d.code : ''))).toEqual(oneByOne.map((d) => d.kind + ('code' in d ? d.code : '')));
          const accepted = batched.filter((d) => d.kind === 'accept').length;
          expect(accepted).toBeLessThanOrEqual(total);
        },
      ),
    );
  });

  it('refuses with the exact reason', () => {
    const stock = new Map([[CAMPAIGN, { id: CAMPAIGN, open: true, totalUnits: 1, claimedUnits: 0, perMemberLimit: 1 }]]);
    const r = (m: string, k: string, c = CAMPAIGN): ClaimRequest => ({ id: `${m}${k}${c}`, campaignId: c, memberId: m, idempotencyKey: k, createdAt: at });
    const { decisions } = allocateClaims(stock, [], [r('a', '1'), r('a', '1'), r('a', '2'), r('b', '1'), r('a', '1', 'c2'), r('c', '1', 'c2')]);
    expect(decisions).toEqual([
      { kind: 'accept', slot: 1 },
      { kind: 'replay', claim: expect.objectContaining({ id: 'a1c1' }) },
      { kind: 'refuse', code: ErrorCode.ClaimLimitReached },
      { kind: 'refuse', code: ErrorCode.SoldOut },
      { kind: 'refuse', code: ErrorCode.IdempotencyKeyReused },
      { kind: 'refuse', code: ErrorCode.NotFound },
    ]);
    const closed = new Map([[CAMPAIGN, { id: CAMPAIGN, open: false, totalUnits: 1, claimedUnits: 0, perMemberLimit: 1 }]]);
    expect(allocateClaims(closed, [], [r('a', '1')]).decisions).toEqual([{ kind: 'refuse', code: ErrorCode.CampaignNotActive }]);
    // An erased account claims nothing more, but its earlier claims still replay.
    const earlier = { id: 'e1', campaignId: CAMPAIGN, memberId: 'e', idempotencyKey: '1', memberSlot: 1, live: true, createdAt: at };
    const erased = allocateClaims(stock, [earlier], [r('e', '1'), r('e', '2')], new Set(['e']));
    expect(erased.decisions).toEqual([
      { kind: 'replay', claim: expect.objectContaining({ id: 'e1' }) },
      { kind: 'refuse', code: ErrorCode.Unauthorized },
    ]);
    expect(erased.claimedDelta.size).toBe(0);
  });
});
