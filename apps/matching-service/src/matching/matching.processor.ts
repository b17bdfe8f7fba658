import { Processor } from '@nestjs/bullmq';
import { UnrecoverableError } from 'bullmq';
import { JobHandlers, JobProcessor, QUEUES, WORKER_OPTIONS } from '@app/queue';
import { CampaignMatcher } from './campaign-matcher.service';
import { MemberMatcher } from './member-matcher.service';
import { PercentileRematcher } from './percentile-rematcher.service';

@Processor(QUEUES.matching.name, WORKER_OPTIONS)
export class MatchingProcessor extends JobProcessor<'matching'> {
  protected readonly queueKey = 'matching' as const;
  protected readonly handlers: JobHandlers<'matching'> = {
    'match-campaign': async (job) => {
      const result = await this.campaigns.matchCampaign(job.data.campaignId);
      if (result.outcome === 'skipped' && result.reason === 'not_found') {
        throw new UnrecoverableError(`campaign ${job.data.campaignId} does not exist`);
      }
      return result;
    },
    'match-member': async (job) => ({ offered: await this.members.matchMember(job.data.memberId, job.data.provider, job.data.scoresAt) }),
    'rematch-percentiles': (job) => this.percentiles.rematch(job.data),
  };

  constructor(
    private readonly campaigns: CampaignMatcher,
    private readonly members: MemberMatcher,
    private readonly percentiles: PercentileRematcher,
  ) {
    super();
  }
}
