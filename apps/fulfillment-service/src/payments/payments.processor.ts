import { Processor } from '@nestjs/bullmq';
import { JobHandlers, JobProcessor, QUEUES } from '@app/queue';
import { CampaignRefundService } from './campaign-refund.service';

/** `payments` queue: the refund of a campaign's unused budget when it ends. */
@Processor(QUEUES.payments.name)
export class PaymentsProcessor extends JobProcessor<'payments'> {
  protected readonly queueKey = 'payments' as const;
  protected readonly handlers: JobHandlers<'payments'> = {
    'refund-campaign': (job) => this.refunds.refundCampaign(job.data.campaignId),
  };

  constructor(private readonly refunds: CampaignRefundService) {
    super();
  }
}
