import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CampaignStatus } from '@app/domain';
import { Periodic } from '@app/queue';
import { CampaignScheduleService, TIMED_END_FROM } from './campaign-schedule.service';

/** Campaigns looked at per pass, most overdue first (the rest wait for the next one). */
const SWEEP_BATCH = 200;

interface Due {
  id: string;
  status: CampaignStatus;
}

const swept = new Counter({
  name: 'campaign_lifecycle_swept_total',
  help: 'Campaigns started or ended by the sweep because their timed job had not run',
  labelNames: ['outcome'],
});

/**
 * A campaign starts and ends through delayed jobs in Redis. A Redis that lost them (an evicting
 * maxmemory policy drops the delayed set while keeping the job records, so re-adding the same
 * jobId does nothing; a failover or restore the relay could not see) would leave a campaign live
 * past its endsAt, never refunded, or never started. This sweep starts or ends, itself, each
 * campaign still waiting LIFECYCLE_SWEEP_AFTER_MS past its time; both are no-ops under the
 * campaign's row lock once done, so the job, if it runs late after all, changes nothing.
 */
@Injectable()
export class OverdueCampaignsSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OverdueCampaignsSweeper.name);
  private readonly periodic: Periodic;
  /** campaigns whose start or end threw, by the status they were swept in */
  private readonly failed = new Map<string, CampaignStatus>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly schedule: CampaignScheduleService,
  ) {
    this.periodic = new Periodic(
      config.lifecycle.sweepIntervalMs,
      async () => void (await this.sweep()),
      (error) => this.logger.warn(`overdue-campaigns sweep skipped: ${error.message}`),
    );
  }

  onApplicationBootstrap(): void {
    this.periodic.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.periodic.stop();
  }

  /** Returns how many campaigns it started or ended. */
  async sweep(): Promise<number> {
    const due: Due[] = await this.dataSource.query(
      `SELECT id, status FROM campaigns
       WHERE (status = ANY($1::text[]) AND ends_at <= now() - make_interval(secs => $2::float8 / 1000))
          OR (status = $3 AND starts_at <= now() - make_interval(secs => $2::float8 / 1000))
       ORDER BY LEAST(ends_at, CASE WHEN status = $3 THEN starts_at END), id LIMIT $4`,
      [TIMED_END_FROM, this.config.lifecycle.sweepAfterMs, CampaignStatus.Scheduled, SWEEP_BATCH],
    );
    // A failed one may have committed and then failed to drop the claim gate's state (Redis away):
    // tried again as a job is retried, its status no longer selects it.
    for (const [id, status] of this.failed) if (!due.some((c) => c.id === id)) due.push({ id, status });
    let done = 0;
    for (const campaign of due) {
      // A scheduled campaign's start ends it instead when its endsAt has passed too.
      const settling = campaign.status === CampaignStatus.Scheduled ? this.schedule.start(campaign.id) : this.schedule.end(campaign.id);
      const result = await settling.catch((error: Error) => {
        this.failed.set(campaign.id, campaign.status);
        this.logger.warn(`campaign ${campaign.id} overdue (${campaign.status}), not settled yet: ${error.message}`);
      });
      if (!result) continue;
      this.failed.delete(campaign.id);
      if (result.outcome === 'skipped') continue;
      this.logger.warn(`campaign ${campaign.id} ${result.outcome} by the sweep: its timed job had not run ${this.config.lifecycle.sweepAfterMs} ms after its time`);
      swept.inc({ outcome: result.outcome });
      done++;
    }
    return done;
  }
}
