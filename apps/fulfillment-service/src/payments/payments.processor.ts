import { Processor } from '@nestjs/bullmq';
import { JobHandlers, JobProcessor, QUEUES, WORKER_OPTIONS } from '@app/queue';
import { CampaignRefundService } from './campaign-refund.service';

/** `payments` queue: refunds of a campaign's unused budget when it ends, and of payments that fund nothing. */
@Processor(QUEUES.payments.name, WORKER_OPTIONS)
export class PaymentsProcessor extends JobProcessor<'payments'> {
  protected readonly queueKey = 'payments' as const;
  protected readonly handlers: JobHandlers<'payments'> = {
    'refund-campaign': (job) => this.refunds.refundCampaign(job.data.campaignId),
    'refund-funding': (job) => this.refunds.refundStaleFunding(job.data.fundingId),
  };

  constructor(private readonly refunds: CampaignRefundService) {
    super();
  }
}
