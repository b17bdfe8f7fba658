import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { AuthUser } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Campaign } from '@app/db';
import { CampaignStatus, DomainError, EligibilityResult, ErrorCode, evaluateEligibility, PerkKind, utcDate, UUID, uuidV7 } from '@app/domain';
import { ClaimAbuseService } from '../abuse/claim-abuse.service';
import { EligibilityService } from '../eligibility/eligibility.service';
import { ClaimDecision } from './claim-allocation';
import { ClaimGateService, GateMarker, GateOutcome, ReservedClaim, SettleMode, StoredRefusal } from './claim-gate.service';
import { ClaimLookupsService, ProfileFacts } from './claim-lookups.service';
import { ClaimWriterService } from './claim-writer.service';
import { CreateClaimDto, CreatedClaimDto } from './dto/claim.dto';
import { checkIdempotencyKey } from '../common/idempotency-key';

const REPLAY_WAIT_MS = 3000;
/** A request whose copy's claim vanished (refused, failed) is decided again at most this often. */
const MAX_ADMISSIONS = 3;
/** A closed campaign under a flood of claims is read again at most this often. */
const CLOSED_RECHECK_MS = 100;
/** How long a claim the gate calls sold out waits while PostgreSQL still shows a unit free. */
const SOLD_OUT_WAIT_MS = 1000;
const SOLD_OUT_POLL_MS = 20;

const decisions = new Counter({ name: 'claim_decisions_total', help: 'Claim requests by outcome', labelNames: ['outcome'] });

const REFUSAL_MESSAGES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.SoldOut]: 'This perk is sold out',
  [ErrorCode.ClaimLimitReached]: 'You already claimed this perk as many times as allowed',
  [ErrorCode.CampaignNotActive]: 'This campaign is not taking claims',
  [ErrorCode.IdempotencyKeyReused]: 'This Idempotency-Key was already used for another campaign',
  [ErrorCode.NotFound]: 'Campaign not found',
  [ErrorCode.Unauthorized]: 'The account no longer exists',
};

/**
 * Refusals decided on the campaign's and the member's state: a replay of the request gets the
 * same answer (API.md: "the same key replayed returns the first response and creates nothing"),
 * even once stock came back or the campaign opened. Malformed requests, rate limits and errors
 * are not answers to the claim and are not kept; a key used on another campaign is decided there.
 */
const KEPT_REFUSALS = new Set<ErrorCode>([
  ErrorCode.SoldOut,
  ErrorCode.ClaimLimitReached,
  ErrorCode.CampaignNotActive,
  ErrorCode.NotEligible,
  // the member's account was erased
  ErrorCode.Unauthorized,
]);

const SETTLE_FOR: Partial<Record<ErrorCode, SettleMode>> = {
  [ErrorCode.SoldOut]: 'sold_out',
  [ErrorCode.ClaimLimitReached]: 'limit',
  [ErrorCode.CampaignNotActive]: 'closed',
};

/**
 * One atomic claim. Cheap refusals first (validation, cached campaign and offer reads),
 * then the Redis gate decides stock and the per-member limit without touching PostgreSQL,
 * then the claim writer stores accepted claims with group commit and has the last word.
 */
@Injectable()
export class ClaimsService {
  private readonly logger = new Logger(ClaimsService.name);

  constructor(
    private readonly gate: ClaimGateService,
    private readonly lookups: ClaimLookupsService,
    private readonly writer: ClaimWriterService,
    private readonly eligibility: EligibilityService,
    private readonly abuse: ClaimAbuseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * `admission`: a verdict the caller is still waiting for (the lean route's rate limits). The
   * reads run meanwhile; nothing is reserved or written before it resolves, and its rejection is
   * the answer.
   */
  async claim(
    user: AuthUser,
    campaignId: string,
    idempotencyKey: string | undefined,
    dto: CreateClaimDto,
    admission: Promise<void> = Promise.resolve(),
  ): Promise<CreatedClaimDto> {
    if (!idempotencyKey) throw new DomainError(ErrorCode.IdempotencyKeyRequired, 'An Idempotency-Key header is required');
    checkIdempotencyKey(idempotencyKey);
    if (dto.acceptDisclosure !== true) {
      // A replay of an accepted claim is answered as the claim was, whatever body it carries now.
      const refusal = () => new DomainError(ErrorCode.DisclosureRequired, 'Claiming a perk requires accepting the disclosure terms (acceptDisclosure: true)');
      return this.firstAnswerOr(refusal, user.id, campaignId.toLowerCase(), idempotencyKey);
    }
    // Rows are cached under the id as PostgreSQL spells it (lower case); any spelling finds them.
    const campaign = UUID.test(campaignId) ? await this.lookups.campaign(campaignId.toLowerCase()) : null;
    // A draft is refused like any campaign that is not taking claims (API.md: 409 CAMPAIGN_NOT_ACTIVE).
    if (!campaign) throw DomainError.notFound('Campaign');
    if (campaign.perkKind === PerkKind.Physical && !dto.shippingAddress) {
      const refusal = () =>
        new DomainError(ErrorCode.ValidationFailed, 'Invalid input: shippingAddress', [
          { field: 'shippingAddress', errors: ['shippingAddress is required for physical perks'] },
        ]);
      return this.firstAnswerOr(refusal, user.id, campaign.id, idempotencyKey);
    }
    try {
      return await this.decide(user, campaign, idempotencyKey, dto, admission);
    } catch (error) {
      if (!(error instanceof DomainError) || !KEPT_REFUSALS.has(error.code) || replayedRefusals.has(error)) throw error;
      return this.keepRefusal(user.id, campaign.id, idempotencyKey, error);
    }
  }

  /**
   * Makes a refusal the key's answer, unless another copy of the request answered first: then
   * that answer, a refusal or a claim (waited for while it is being written; should it vanish,
   * refused or failed, or turn out abandoned by a process that died, this refusal may still
   * become the answer).
   */
  private async keepRefusal(memberId: string, campaignId: string, key: string, refusal: DomainError): Promise<CreatedClaimDto> {
    const deadline = Date.now() + REPLAY_WAIT_MS;
    for (;;) {
      const first = await this.gate.rememberRefusal(campaignId, memberId, key, refusal);
      if (!first) throw refusal;
      if ('refusal' in first) throw this.replayedRefusal(first.refusal);
      if (first.committed) return this.replayed(first.claim);
      if (this.abandoned(first.claim)) {
        const stored = await this.releaseAbandoned(memberId, campaignId, key, first.claim);
        if (stored) return stored;
      }
      if (Date.now() >= deadline) throw inProgress();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async decide(user: AuthUser, campaign: Campaign, idempotencyKey: string, dto: CreateClaimDto, admission: Promise<void>): Promise<CreatedClaimDto> {
    try {
      if (!isOpen(campaign)) {
        // The cached row may predate a start or resume made elsewhere (the scheduler, another
        // instance): a refusal asks PostgreSQL first, so a campaign shown active takes claims.
        campaign = (await this.lookups.recentCampaign(campaign.id, CLOSED_RECHECK_MS)) ?? campaign;
        if (!isOpen(campaign)) throw this.refusal(ErrorCode.CampaignNotActive);
      }
      // One read tells the offer and the account facts of the abuse rules; refusals come in this order.
      const claimant = await this.lookups.claimant(campaign.id, user.id, this.abuse.appliesTo(campaign));
      // Before the rules: an erased member's data is gone, and the answer is about the account.
      if (claimant.erased) throw this.refusal(ErrorCode.Unauthorized);
      // Not offered at launch: the member may have been re-scored since, and the shared rule decides.
      // Offered: the offer settles the score rules, not the member's own (one who opted out, moved
      // country or is under age now is refused at once, before matching withdraws the offer).
      this.assertEligible(claimant.offered ? stillMeetsProfileRules(campaign, claimant.profile) : await this.eligibility.explain(user.id, campaign));
      this.abuse.assertAllowed(campaign, claimant.account);
    } catch (error) {
      if (error instanceof DomainError) return this.replayOr(() => error, user.id, campaign.id, idempotencyKey);
      throw error;
    }
    await admission;
    return this.admit(user.id, campaign, idempotencyKey, dto, 1);
  }

  /**
   * A body that could never make a claim (no disclosure, a physical perk without an address) is
   * refused, unless the key already has an answer: a replay is answered as the first request was,
   * whatever body it carries now — a kept refusal as well as a claim.
   */
  private async firstAnswerOr(refusal: () => DomainError, memberId: string, campaignId: string, key: string): Promise<CreatedClaimDto> {
    const marker = await this.gate.peek(campaignId, memberId, key);
    if (marker && 'refusal' in marker) throw this.replayedRefusal(marker.refusal);
    if (marker?.committed) return this.replayed(marker.claim);
    return this.replayOr(refusal, memberId, campaignId, key);
  }

  /**
   * A replay gets the first answer even when the campaign or the member changed since — e.g. the
   * claim being replayed is the one that took the member to the velocity cap, or sold the last
   * unit, or the campaign has ended — and even when the gate holds no marker of it (a claim
   * decided on the PostgreSQL path, a Redis that lost its data, a marker past its TTL). Only
   * refusals pay this read.
   */
  private async replayOr(refusal: () => DomainError, memberId: string, campaignId: string, key: string): Promise<CreatedClaimDto> {
    const stored = await this.lookups.claimByKey(memberId, key);
    if (stored?.campaignId === campaignId) return this.replayed(stored);
    throw refusal();
  }

  private async admit(
    memberId: string,
    campaign: Campaign,
    key: string,
    dto: CreateClaimDto,
    /** 1 for the first decision; a request whose copy's claim vanished is decided again */
    admission: number,
    soldOutUntil?: number,
  ): Promise<CreatedClaimDto> {
    const reserved: ReservedClaim = { id: uuidV7(), campaignId: campaign.id, createdAt: new Date().toISOString() };
    const gate = await this.gate.reserve(campaign.id, memberId, key, reserved);
    switch (gate.kind) {
      case 'replay':
        if (gate.committed) return this.replayed(gate.claim);
        return this.awaitReplay(memberId, campaign, key, dto, admission, gate.claim);
      case 'refused':
        throw this.replayedRefusal(gate.refusal);
      case 'closed':
        // PostgreSQL (read a moment ago) says open: a resume the gate has not heard of. Reload once.
        if (admission < MAX_ADMISSIONS) {
          await this.gate.refresh(campaign.id);
          return this.admit(memberId, campaign, key, dto, MAX_ADMISSIONS);
        }
        return this.replayOr(() => this.refusal(ErrorCode.CampaignNotActive), memberId, campaign.id, key);
      case 'limit':
        return this.atGateLimit(memberId, campaign, key, dto, reserved);
      case 'sold_out': {
        const until = soldOutUntil ?? Date.now() + SOLD_OUT_WAIT_MS;
        if (await this.unitMayFreeUp(campaign.id, until)) return this.admit(memberId, campaign, key, dto, admission, until);
        return this.replayOr(() => this.refusal(ErrorCode.SoldOut), memberId, campaign.id, key);
      }
      case 'ok':
      case 'unavailable':
        return this.write(memberId, campaign, key, dto, reserved, gate);
    }
  }

  private async write(
    memberId: string,
    campaign: Campaign,
    key: string,
    dto: CreateClaimDto,
    reserved: ReservedClaim,
    gate: GateOutcome,
  ): Promise<CreatedClaimDto> {
    const epoch = gate.kind === 'ok' ? gate.epoch : null;
    let decision: ClaimDecision;
    try {
      decision = await this.writer.write({
        id: reserved.id,
        campaignId: campaign.id,
        memberId,
        idempotencyKey: key,
        createdAt: new Date(reserved.createdAt),
        slotHint: gate.kind === 'ok' ? gate.slot : null,
        shippingAddress: campaign.perkKind === PerkKind.Physical && dto.shippingAddress ? { ...dto.shippingAddress } : null,
      });
    } catch (error) {
      // The client is told to try again; the operator needs to know why (the serializer drops query values).
      this.logger.error({ err: error }, `claim ${reserved.id} could not be stored`);
      if (epoch) await this.gate.settle(campaign.id, memberId, key, epoch, 'release');
      decisions.inc({ outcome: 'error' });
      throw new DomainError(ErrorCode.ServiceUnavailable, 'The claim could not be stored; try again with the same Idempotency-Key');
    }
    if (decision.kind === 'accept') {
      if (epoch) void this.gate.committed([{ campaignId: campaign.id, memberId, idempotencyKey: key, claim: reserved }]);
      decisions.inc({ outcome: 'accepted' });
      return { id: reserved.id, campaignId: campaign.id, status: 'pending' as CreatedClaimDto['status'], createdAt: reserved.createdAt };
    }
    if (decision.kind === 'replay') {
      if (epoch) await this.gate.settle(campaign.id, memberId, key, epoch, 'release');
      return this.replayed({ ...decision.claim, createdAt: decision.claim.createdAt.toISOString() });
    }
    if (epoch) await this.gate.settle(campaign.id, memberId, key, epoch, SETTLE_FOR[decision.code] ?? 'release');
    throw this.refusal(decision.code);
  }

  /**
   * The gate also counts reservations still being written. While PostgreSQL shows a unit free,
   * one of them may yet be refused (e.g. an Idempotency-Key already used on another campaign) and
   * give its unit back, so the claim waits a moment and asks the gate again, until `until`. A gate
   * that counts too many for good (a crash between reserve and commit) is healed meanwhile.
   */
  private async unitMayFreeUp(campaignId: string, until: number): Promise<boolean> {
    const fresh = await this.lookups.recentCampaign(campaignId, CLOSED_RECHECK_MS);
    if (!fresh || fresh.claimedUnits >= fresh.totalUnits) return false;
    void this.gate.heal(campaignId);
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, SOLD_OUT_POLL_MS));
    return true;
  }

  /**
   * The gate counts the member at the limit. A replay gets its claim; otherwise PostgreSQL's count
   * decides, since the gate may still count reservations of a process that died before storing
   * them: a member under the limit there is decided by PostgreSQL alone (the writer has the last
   * word on the limit) while the gate is healed.
   */
  private async atGateLimit(memberId: string, campaign: Campaign, key: string, dto: CreateClaimDto, reserved: ReservedClaim): Promise<CreatedClaimDto> {
    const [stored, live] = await Promise.all([this.lookups.claimByKey(memberId, key), this.lookups.liveClaims(campaign.id, memberId)]);
    if (stored) return this.replayedOrReused(stored, campaign.id);
    if (live >= campaign.perMemberLimit) throw this.refusal(ErrorCode.ClaimLimitReached);
    void this.gate.heal(campaign.id);
    return this.write(memberId, campaign, key, dto, reserved, { kind: 'unavailable' });
  }

  /**
   * The first request with this key is still being written: answer as it will. A claim reserved
   * longer ago than a request may run was abandoned (its process died before storing it, or its
   * request was answered 503): unless PostgreSQL has it after all, the key is decided afresh.
   */
  private async awaitReplay(
    memberId: string,
    campaign: Campaign,
    key: string,
    dto: CreateClaimDto,
    admission: number,
    inFlight: ReservedClaim,
  ): Promise<CreatedClaimDto> {
    const deadline = Date.now() + REPLAY_WAIT_MS;
    let marker: GateMarker | null = { claim: inFlight, committed: false };
    while (Date.now() < deadline) {
      if (marker && 'claim' in marker && this.abandoned(marker.claim)) {
        const stored = await this.releaseAbandoned(memberId, campaign.id, key, marker.claim);
        if (stored) return stored;
        if (admission >= MAX_ADMISSIONS) throw inProgress();
        return this.admit(memberId, campaign, key, dto, admission + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      marker = await this.gate.peek(campaign.id, memberId, key);
      if (marker && 'refusal' in marker) throw this.replayedRefusal(marker.refusal);
      if (marker?.committed) return this.replayed(marker.claim);
      // The first attempt failed (503), or its refusal is not kept (a key used on another
      // campaign), or is about to be: this request is decided afresh, as many times as is reasonable.
      // Past that, a marker gone is most likely a copy's refusal about to be kept: keep watching.
      if (!marker && admission < MAX_ADMISSIONS) return this.admit(memberId, campaign, key, dto, admission + 1);
    }
    // Still being written after all this time, or gone without a trace: PostgreSQL may know.
    const stored = await this.lookups.claimByKey(memberId, key);
    if (stored) return this.replayedOrReused(stored, campaign.id);
    throw inProgress();
  }

  private abandoned(claim: ReservedClaim): boolean {
    return Date.now() - Date.parse(claim.createdAt) > this.config.requestTimeoutMs;
  }

  /**
   * An abandoned claim's answer when PostgreSQL stored it after all (its process died before
   * marking it committed); otherwise null, and its key is free to be decided afresh.
   */
  private async releaseAbandoned(memberId: string, campaignId: string, key: string, claim: ReservedClaim): Promise<CreatedClaimDto | null> {
    const stored = await this.lookups.claimByKey(memberId, key);
    if (stored) return this.replayedOrReused(stored, campaignId);
    await this.gate.dropAbandoned(campaignId, memberId, key, claim.id);
    return null;
  }

  private replayedOrReused(claim: ReservedClaim, campaignId: string): CreatedClaimDto {
    if (claim.campaignId === campaignId) return this.replayed(claim);
    throw this.refusal(ErrorCode.IdempotencyKeyReused);
  }

  private replayed(claim: ReservedClaim): CreatedClaimDto {
    decisions.inc({ outcome: 'replayed' });
    const answer = { id: claim.id, campaignId: claim.campaignId, status: 'pending' as CreatedClaimDto['status'], createdAt: claim.createdAt };
    replayedAnswers.add(answer);
    return answer;
  }

  private replayedRefusal(refusal: StoredRefusal): DomainError {
    decisions.inc({ outcome: 'replayed' });
    const error = asError(refusal);
    replayedRefusals.add(error);
    return error;
  }

  private assertEligible(result: EligibilityResult): void {
    if (result.eligible) return;
    decisions.inc({ outcome: 'not_eligible' });
    throw new DomainError(ErrorCode.NotEligible, 'You are not eligible for this perk', result.reasons);
  }

  private refusal(code: ErrorCode): DomainError {
    decisions.inc({ outcome: code.toLowerCase() });
    return new DomainError(code, REFUSAL_MESSAGES[code] ?? code);
  }
}

function stillMeetsProfileRules(campaign: Campaign, profile: ProfileFacts): EligibilityResult {
  return evaluateEligibility({ ...profile, score: null, topics: {} }, campaign.eligibility, { today: utcDate(new Date()), thresholds: null }, 'profile');
}

/** Refusals answered from a kept one: already kept, nothing to store again. */
const replayedRefusals = new WeakSet<DomainError>();
/** Claims answered as replays of an earlier request, not written by this one. */
const replayedAnswers = new WeakSet<CreatedClaimDto>();

/** The answer is an earlier request's claim, replayed (not a claim this request wrote). */
export function isReplayedAnswer(answer: unknown): boolean {
  return typeof answer === 'object' && answer !== null && replayedAnswers.has(answer as CreatedClaimDto);
}

function inProgress(): DomainError {
  return new DomainError(ErrorCode.Conflict, 'A request with this Idempotency-Key is still in progress');
}

function asError(refusal: StoredRefusal): DomainError {
  return new DomainError(refusal.code, refusal.message, refusal.details);
}

function isOpen(campaign: Campaign): boolean {
  const now = Date.now();
  return (
    campaign.status === CampaignStatus.Active &&
    !campaign.claimsFrozen &&
    campaign.endsAt.getTime() > now &&
    (!campaign.startsAt || campaign.startsAt.getTime() <= now)
  );
}
