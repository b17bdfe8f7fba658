import { Processor } from '@nestjs/bullmq';
import { JobHandlers, JobProcessor, QUEUES, WORKER_OPTIONS } from '@app/queue';
import { OfferNotifier } from './offer-notifier.service';

@Processor(QUEUES.notifications.name, WORKER_OPTIONS)
export class NotificationsProcessor extends JobProcessor<'notifications'> {
  protected readonly queueKey = 'notifications' as const;
  protected readonly handlers: JobHandlers<'notifications'> = {
    'notify-offers': (job) => this.notifier.notify(job.data),
  };

  constructor(private readonly notifier: OfferNotifier) {
    super();
  }
}
