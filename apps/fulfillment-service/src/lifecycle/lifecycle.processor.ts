import { Processor } from '@nestjs/bullmq';
import { UnrecoverableError } from 'bullmq';
import { JobHandlers, JobProcessor, QUEUES, WORKER_OPTIONS } from '@app/queue';
import { CampaignScheduleService, ScheduleOutcome } from './campaign-schedule.service';

/** `campaign-lifecycle` queue: delayed jobs written by launch (and, for the end, by funding), run at startsAt and endsAt. */
@Processor(QUEUES.lifecycle.name, WORKER_OPTIONS)
export class LifecycleProcessor extends JobProcessor<'lifecycle'> {
  protected readonly queueKey = 'lifecycle' as const;
  protected readonly handlers: JobHandlers<'lifecycle'> = {
    'start-campaign': async (job) => orFail(job.data.campaignId, await this.schedule.start(job.data.campaignId)),
    'end-campaign': async (job) => orFail(job.data.campaignId, await this.schedule.end(job.data.campaignId)),
  };

  constructor(private readonly schedule: CampaignScheduleService) {
    super();
  }
}

/** A campaign that does not exist will not appear on retry: fail the job for good. */
function orFail(campaignId: string, result: ScheduleOutcome): ScheduleOutcome {
  if (result.outcome === 'skipped' && result.reason === 'not_found') throw new UnrecoverableError(`campaign ${campaignId} does not exist`);
  return result;
}
