import { CampaignStatus, PerkKind, ReviewStatus } from './enums';
import { DomainError, ErrorCode } from './errors';

/** What may happen to a campaign; `start` and timed `end` come from the lifecycle jobs. */
export type LifecycleEventType = 'edit' | 'fund' | 'launch' | 'start' | 'pause' | 'resume' | 'end' | 'approve' | 'reject';

/** The facts a launch decision needs, read inside the launching transaction. */
export interface LaunchFacts {
  startsAt: Date | null;
  endsAt: Date;
  now: Date;
  perkKind: PerkKind;
  totalUnits: number;
  codesLoaded: number;
}

export type LifecycleEvent =
  | { type: Exclude<LifecycleEventType, 'launch' | 'resume'> }
  | ({ type: 'launch' } & LaunchFacts)
  /** A campaign paused (rejected) while scheduled resumes as scheduled until its start; none resumes past its end. */
  | { type: 'resume'; startsAt: Date | null; endsAt: Date; now: Date };

export interface LifecycleState {
  status: CampaignStatus;
  reviewStatus: ReviewStatus;
}

/** Display status: API.md shows `sold_out` for an active campaign with no unit left. */
export type DisplayStatus = CampaignStatus | 'sold_out';

const { Draft, Funded, Scheduled, Active, Paused, Ended } = CampaignStatus;
const LIVE: CampaignStatus[] = [Scheduled, Active, Paused];

/**
 * The status graph: which statuses each event may leave from. Guards (funding, review,
 * codes, dates) are checked in {@link transition}.
 */
const SOURCES: Record<LifecycleEventType, readonly CampaignStatus[]> = {
  edit: [Draft],
  fund: [Draft],
  launch: [Funded],
  start: [Scheduled],
  pause: [Active],
  resume: [Paused],
  end: [Draft, Funded, Scheduled, Active, Paused],
  approve: [Draft, Funded, Scheduled, Active, Paused],
  reject: [Draft, Funded, Scheduled, Active, Paused],
};

/**
 * Applies one event to a campaign's lifecycle state or refuses it with the precise code:
 * CAMPAIGN_NOT_EDITABLE, CAMPAIGN_NOT_FUNDED, CAMPAIGN_NOT_APPROVED, INSUFFICIENT_CODES,
 * or INVALID_TRANSITION for everything else.
 */
export function transition(state: LifecycleState, event: LifecycleEvent): LifecycleState {
  const { status, reviewStatus } = state;
  if (event.type === 'edit' && status !== Draft) {
    throw new DomainError(ErrorCode.CampaignNotEditable, `A campaign can only be edited while draft (it is ${status})`);
  }
  if (event.type === 'launch' && status === Draft) {
    throw new DomainError(ErrorCode.CampaignNotFunded, 'The campaign must be funded before launch');
  }
  if (!SOURCES[event.type].includes(status)) {
    throw new DomainError(ErrorCode.InvalidTransition, `Cannot ${event.type} a campaign that is ${status}`, {
      status,
      event: event.type,
    });
  }
  switch (event.type) {
    case 'edit':
      return state;
    case 'fund':
      return { status: Funded, reviewStatus };
    case 'launch':
      return { status: launchTarget(reviewStatus, event), reviewStatus };
    case 'start':
      return { status: Active, reviewStatus };
    case 'pause':
      return { status: Paused, reviewStatus };
    case 'resume':
      if (reviewStatus !== ReviewStatus.Approved) {
        throw new DomainError(ErrorCode.CampaignNotApproved, 'A rejected campaign cannot resume until it is approved');
      }
      // Past its end, its end job may not have run yet (the workers down, or a moment behind): it ends, it does not resume.
      return { status: goLive('resume', event, { status, event: event.type }), reviewStatus };
    case 'end':
      return { status: Ended, reviewStatus };
    case 'approve':
      return { status, reviewStatus: ReviewStatus.Approved };
    case 'reject':
      // A rejected campaign leaves the shelf at once: live campaigns are paused until re-approved.
      return { status: LIVE.includes(status) ? Paused : status, reviewStatus: ReviewStatus.Rejected };
  }
}

function launchTarget(reviewStatus: ReviewStatus, facts: LaunchFacts): CampaignStatus {
  if (reviewStatus !== ReviewStatus.Approved) {
    throw new DomainError(ErrorCode.CampaignNotApproved, 'The campaign must be approved by an admin before launch');
  }
  if (facts.perkKind === PerkKind.DigitalCode && facts.codesLoaded < facts.totalUnits) {
    throw new DomainError(ErrorCode.InsufficientCodes, `${facts.totalUnits} codes are needed, ${facts.codesLoaded} are loaded`, {
      required: facts.totalUnits,
      loaded: facts.codesLoaded,
    });
  }
  return goLive('launch', facts);
}

/** Where a launch or a resume takes a campaign: scheduled until its start, active from it, never past its end. */
function goLive(action: 'launch' | 'resume', timing: { startsAt: Date | null; endsAt: Date; now: Date }, details?: unknown): CampaignStatus {
  if (timing.endsAt.getTime() <= timing.now.getTime()) {
    throw new DomainError(ErrorCode.InvalidTransition, `The campaign cannot ${action}: its endsAt has passed`, details);
  }
  return timing.startsAt && timing.startsAt.getTime() > timing.now.getTime() ? Scheduled : Active;
}

/** `sold_out` while active with no unit left; otherwise the stored status. */
export function displayStatus(status: CampaignStatus, totalUnits: number, claimedUnits: number): DisplayStatus {
  return status === Active && totalUnits - claimedUnits <= 0 ? 'sold_out' : status;
}
