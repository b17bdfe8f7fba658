import { displayStatus, LaunchFacts, LifecycleEvent, LifecycleEventType, transition } from './campaign-lifecycle';
import { CampaignStatus, PerkKind, ReviewStatus } from './enums';
import { DomainError, ErrorCode } from './errors';

const { Draft, Funded, Scheduled, Active, Paused, Ended } = CampaignStatus;
const { Pending, Approved, Rejected } = ReviewStatus;
const NOW = new Date('2026-11-26T12:00:00Z');
const HOUR = 3600_000;

const launchNow: LaunchFacts = {
  startsAt: null,
  endsAt: new Date(NOW.getTime() + 24 * HOUR),
  now: NOW,
  perkKind: PerkKind.Physical,
  totalUnits: 10,
  codesLoaded: 0,
};

function event(type: LifecycleEventType, facts: LaunchFacts = launchNow): LifecycleEvent {
  if (type === 'launch') return { type, ...facts };
  return type === 'resume' ? { type, startsAt: facts.startsAt, endsAt: facts.endsAt, now: facts.now } : { type };
}

function outcome(status: CampaignStatus, reviewStatus: ReviewStatus, ev: LifecycleEvent): string {
  try {
    const next = transition({ status, reviewStatus }, ev);
    return `${next.status}/${next.reviewStatus}`;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

const INVALID = ErrorCode.InvalidTransition;
const EVENTS: LifecycleEventType[] = ['edit', 'fund', 'launch', 'start', 'pause', 'resume', 'end', 'approve', 'reject'];
const STATUSES = [Draft, Funded, Scheduled, Active, Paused, Ended];

/**
 * Every status × every event for an approved campaign: the next `status/reviewStatus`,
 * or the error code. Read a row as "from <status>, <event> gives …".
 */
const APPROVED_TABLE: Record<CampaignStatus, Record<LifecycleEventType, string>> = {
  draft: {
    edit: 'draft/approved', fund: 'funded/approved', launch: ErrorCode.CampaignNotFunded, start: INVALID,
    pause: INVALID, resume: INVALID, end: 'ended/approved', approve: 'draft/approved', reject: 'draft/rejected',
  },
  funded: {
    edit: ErrorCode.CampaignNotEditable, fund: INVALID, launch: 'active/approved', start: INVALID,
    pause: INVALID, resume: INVALID, end: 'ended/approved', approve: 'funded/approved', reject: 'funded/rejected',
  },
  scheduled: {
    edit: ErrorCode.CampaignNotEditable, fund: INVALID, launch: INVALID, start: 'active/approved',
    pause: INVALID, resume: INVALID, end: 'ended/approved', approve: 'scheduled/approved', reject: 'paused/rejected',
  },
  active: {
    edit: ErrorCode.CampaignNotEditable, fund: INVALID, launch: INVALID, start: INVALID,
    pause: 'paused/approved', resume: INVALID, end: 'ended/approved', approve: 'active/approved', reject: 'paused/rejected',
  },
  paused: {
    edit: ErrorCode.CampaignNotEditable, fund: INVALID, launch: INVALID, start: INVALID,
    pause: INVALID, resume: 'active/approved', end: 'ended/approved', approve: 'paused/approved', reject: 'paused/rejected',
  },
  ended: {
    edit: ErrorCode.CampaignNotEditable, fund: INVALID, launch: INVALID, start: INVALID,
    pause: INVALID, resume: INVALID, end: INVALID, approve: INVALID, reject: INVALID,
  },
};

describe('campaign lifecycle', () => {
  const cases = STATUSES.flatMap((status) => EVENTS.map((ev) => [status, ev, APPROVED_TABLE[status][ev]] as const));

  it.each(cases)('approved %s + %s → %s', (status, ev, expected) => {
    expect(outcome(status, Approved, event(ev))).toBe(expected);
  });

  describe('review guards', () => {
    it.each([Pending, Rejected])('launch of a funded campaign under review %s → CAMPAIGN_NOT_APPROVED', (review) => {
      expect(outcome(Funded, review, event('launch'))).toBe(ErrorCode.CampaignNotApproved);
    });

    it.each([Pending, Rejected])('launch of a draft under review %s → CAMPAIGN_NOT_FUNDED (funding is checked first)', (review) => {
      expect(outcome(Draft, review, event('launch'))).toBe(ErrorCode.CampaignNotFunded);
    });

    it('a rejected paused campaign cannot resume until approved', () => {
      expect(outcome(Paused, Rejected, event('resume'))).toBe(ErrorCode.CampaignNotApproved);
      expect(outcome(Paused, Approved, event('resume'))).toBe('active/approved');
    });

    it('a campaign rejected while scheduled resumes as scheduled until its start, then as active', () => {
      const startsLater = { ...launchNow, startsAt: new Date(NOW.getTime() + HOUR) };
      expect(outcome(Paused, Approved, event('resume', startsLater))).toBe('scheduled/approved');
      expect(outcome(Paused, Approved, event('resume', { ...startsLater, now: new Date(NOW.getTime() + 2 * HOUR) }))).toBe('active/approved');
    });

    it.each([0, HOUR])('a paused campaign whose endsAt passed %s ms ago cannot resume: it ends', (ago) => {
      const endedInTime = { ...launchNow, endsAt: new Date(NOW.getTime() - ago) };
      expect(outcome(Paused, Approved, event('resume', endedInTime))).toBe(INVALID);
      expect(outcome(Paused, Approved, event('end', endedInTime))).toBe('ended/approved');
    });

    it.each([Pending, Rejected, Approved])('approve and reject move review %s on a funded campaign', (review) => {
      expect(outcome(Funded, review, event('approve'))).toBe('funded/approved');
      expect(outcome(Funded, review, event('reject'))).toBe('funded/rejected');
    });

    it('events other than launch/resume ignore review status', () => {
      for (const review of [Pending, Rejected]) {
        expect(outcome(Draft, review, event('fund'))).toBe(`funded/${review}`);
        expect(outcome(Active, review, event('pause'))).toBe(`paused/${review}`);
        expect(outcome(Scheduled, review, event('start'))).toBe(`active/${review}`);
        expect(outcome(Active, review, event('end'))).toBe(`ended/${review}`);
      }
    });
  });

  describe('launch guards', () => {
    it('schedules when startsAt is in the future', () => {
      const facts = { ...launchNow, startsAt: new Date(NOW.getTime() + HOUR) };
      expect(outcome(Funded, Approved, event('launch', facts))).toBe('scheduled/approved');
    });

    it.each([new Date(NOW.getTime() - HOUR), NOW])('activates at once when startsAt is %s (not in the future)', (startsAt) => {
      expect(outcome(Funded, Approved, event('launch', { ...launchNow, startsAt }))).toBe('active/approved');
    });

    it('needs totalUnits codes for a digital-code perk', () => {
      const digital = { ...launchNow, perkKind: PerkKind.DigitalCode, totalUnits: 10 };
      expect(outcome(Funded, Approved, event('launch', { ...digital, codesLoaded: 9 }))).toBe(ErrorCode.InsufficientCodes);
      expect(outcome(Funded, Approved, event('launch', { ...digital, codesLoaded: 10 }))).toBe('active/approved');
      expect(outcome(Funded, Approved, event('launch', { ...digital, codesLoaded: 11 }))).toBe('active/approved');
    });

    it.each([PerkKind.Physical, PerkKind.Experience])('%s perks need no codes', (perkKind) => {
      expect(outcome(Funded, Approved, event('launch', { ...launchNow, perkKind, codesLoaded: 0 }))).toBe('active/approved');
    });

    it('refuses a launch after endsAt', () => {
      expect(outcome(Funded, Approved, event('launch', { ...launchNow, endsAt: NOW }))).toBe(INVALID);
    });

    it('reports required and loaded codes in details', () => {
      const digital = { ...launchNow, perkKind: PerkKind.DigitalCode, totalUnits: 5, codesLoaded: 2 };
      expect(() => transition({ status: Funded, reviewStatus: Approved }, event('launch', digital))).toThrow(
        expect.objectContaining({ code: ErrorCode.InsufficientCodes, details: { required: 5, loaded: 2 } }),
      );
    });
  });

  describe('displayStatus', () => {
    it.each([
      [Active, 10, 10, 'sold_out'],
      [Active, 10, 9, 'active'],
      [Active, 0, 0, 'sold_out'],
      [Paused, 10, 10, 'paused'],
      [Ended, 10, 10, 'ended'],
      [Scheduled, 5, 0, 'scheduled'],
    ])('%s with %i total and %i claimed shows %s', (status, total, claimed, shown) => {
      expect(displayStatus(status, total, claimed)).toBe(shown);
    });
  });
});
