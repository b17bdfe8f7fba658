import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthUser } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Campaign, cursorInstantSql, Page, pageCursor, toPage } from '@app/db';
import { CampaignStatus, DomainError, EligibilityRules, ErrorCode, fundingRequiredCents, ReviewStatus, Role, transition } from '@app/domain';
import { findCampaignFor } from '../common/campaign-access';
import { assertCampaignRules } from './campaign-rules';
import { CampaignDto, CampaignsQueryDto } from './dto/campaign.dto';
import { CreateCampaignDto, EligibilityDto, UpdateCampaignDto } from './dto/campaign-input.dto';


/** Campaign CRUD for brands (their own) and admins (all). */
@Injectable()
export class CampaignsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(user: AuthUser, dto: CreateCampaignDto): Promise<CampaignDto> {
    if (!user.brandId) throw new DomainError(ErrorCode.Forbidden, 'Only a brand may create campaigns');
    const startsAt = dto.startsAt ? new Date(dto.startsAt) : null;
    const endsAt = new Date(dto.endsAt);
    assertCampaignRules({ startsAt, endsAt, provider: dto.eligibility.provider }, this.config);
    const repo = this.dataSource.getRepository(Campaign);
    const campaign = await repo.save(
      repo.create({
        brandId: user.brandId,
        name: dto.name,
        description: dto.description ?? '',
        perkKind: dto.perk.kind,
        perkTitle: dto.perk.title,
        unitCostCents: dto.perk.unitCostCents,
        totalUnits: dto.totalUnits,
        perMemberLimit: dto.perMemberLimit ?? 1,
        startsAt,
        endsAt,
        eligibility: toRules(dto.eligibility),
        status: CampaignStatus.Draft,
        reviewStatus: ReviewStatus.Pending,
        fundingRequiredCents: fundingRequiredCents(dto.totalUnits, dto.perk.unitCostCents, this.config.platformFeeBps),
      }),
    );
    return CampaignDto.from(await repo.findOneByOrFail({ id: campaign.id }));
  }

  async list(user: AuthUser, query: CampaignsQueryDto): Promise<Page<CampaignDto>> {
    const limit = query.limit;
    const after = pageCursor(query.cursor);
    const qb = this.dataSource
      .getRepository(Campaign)
      .createQueryBuilder('c')
      .addSelect(cursorInstantSql('c.created_at'), 'cursor_at')
      .orderBy('c.created_at', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(limit + 1);
    if (user.role !== Role.Admin) qb.andWhere('c.brand_id = :brandId', { brandId: user.brandId });
    if (query.reviewStatus) qb.andWhere('c.review_status = :reviewStatus', { reviewStatus: query.reviewStatus });
    if (query.status === 'sold_out' || query.status === CampaignStatus.Active) {
      qb.andWhere(`c.status = 'active' AND c.claimed_units ${query.status === 'sold_out' ? '>=' : '<'} c.total_units`);
    } else if (query.status) {
      qb.andWhere('c.status = :status', { status: query.status });
    }
    if (after) qb.andWhere('(c.created_at, c.id) < (:at::timestamptz, :id::uuid)', { at: after.at, id: after.id });
    const { entities, raw } = await qb.getRawAndEntities<{ cursor_at: string }>();
    const rows = entities.map((campaign, i) => ({ campaign, cursorAt: raw[i].cursor_at }));
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.cursorAt, id: row.campaign.id }),
      (row) => CampaignDto.from(row.campaign),
    );
  }

  async get(user: AuthUser, id: string): Promise<CampaignDto> {
    return CampaignDto.from(await findCampaignFor(this.dataSource.manager, user, id));
  }

  async update(user: AuthUser, id: string, dto: UpdateCampaignDto): Promise<CampaignDto> {
    return this.dataSource.transaction(async (manager) => {
      // Locked so funding (draft → funded) cannot slip between the draft check and the write.
      const campaign = await findCampaignFor(manager, user, id, 'pessimistic_write');
      transition(campaign, { type: 'edit' });
      const perk = dto.perk ?? { kind: campaign.perkKind, title: campaign.perkTitle, unitCostCents: campaign.unitCostCents };
      const totalUnits = dto.totalUnits ?? campaign.totalUnits;
      const startsAt = dto.startsAt === undefined ? campaign.startsAt : dto.startsAt === null ? null : new Date(dto.startsAt);
      const endsAt = dto.endsAt === undefined ? campaign.endsAt : new Date(dto.endsAt);
      const eligibility = dto.eligibility ? toRules(dto.eligibility) : campaign.eligibility;
      assertCampaignRules({ startsAt, endsAt, provider: eligibility.provider }, this.config);
      await manager.update(Campaign, { id: campaign.id }, {
        name: dto.name ?? campaign.name,
        description: dto.description ?? campaign.description,
        perkKind: perk.kind,
        perkTitle: perk.title,
        unitCostCents: perk.unitCostCents,
        totalUnits,
        perMemberLimit: dto.perMemberLimit ?? campaign.perMemberLimit,
        startsAt,
        endsAt,
        eligibility,
        fundingRequiredCents: fundingRequiredCents(totalUnits, perk.unitCostCents, this.config.platformFeeBps),
        // A review is of what the admin saw: an edit sends the campaign back for review, so an
        // approval cannot be carried over to other content (and a rejected draft can be fixed).
        reviewStatus: ReviewStatus.Pending,
        reviewReason: null,
      });
      return CampaignDto.from(await manager.getRepository(Campaign).findOneByOrFail({ id: campaign.id }));
    });
  }
}

/** Only the fields the brand set, in a plain object (no class instance reaches jsonb). */
function toRules(dto: EligibilityDto): EligibilityRules {
  const rules: EligibilityRules = { provider: dto.provider };
  if (dto.minScore !== undefined) rules.minScore = dto.minScore;
  if (dto.minPercentile !== undefined) rules.minPercentile = dto.minPercentile;
  if (dto.topics !== undefined) rules.topics = dto.topics;
  if (dto.minTopicScore !== undefined) rules.minTopicScore = dto.minTopicScore;
  if (dto.countries !== undefined) rules.countries = dto.countries;
  if (dto.minAge !== undefined) rules.minAge = dto.minAge;
  if (dto.minAccountAgeDays !== undefined) rules.minAccountAgeDays = dto.minAccountAgeDays;
  return rules;
}
