import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Readable } from 'node:stream';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { AuthUser } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Campaign, pgErrorCode } from '@app/db';
import { CampaignStatus, DomainError, ErrorCode, PerkKind } from '@app/domain';
import { findCampaignFor } from '../common/campaign-access';
import { CsvCodeError, CsvCodeReader } from './csv-code-reader';
import { CodeUploadResultDto } from './dto/inventory.dto';

/** Rows per INSERT: big enough to amortise round trips, small enough to keep each statement short. */
const CHUNK_SIZE = 5000;
/** Stop this long before the request timeout answers 503, so that answer never hides a commit. */
const DEADLINE_MARGIN_MS = 2000;
export const MAX_CSV_BYTES = 20 * 1024 * 1024;
const MAX_CSV_CODES = 1_000_000;
/**
 * An upload adding this many codes refreshes the pool table's planner statistics at once, rather
 * than at autovacuum's next round: the fulfillers' prepared code pick keeps a plan made while
 * the table was near empty (a sequential scan) until the statistics change, and on a freshly
 * loaded pool of 20,000 codes that plan made each batch of fulfilments ~50 times slower.
 */
const ANALYZE_AFTER_CODES = 1000;

const codesAdded = new Counter({ name: 'campaign_codes_added_total', help: 'Digital codes added to campaign pools' });

/**
 * Loads codes into a campaign's pool. The upload is one transaction (a bad line adds
 * nothing), streamed in chunks: each chunk is one set-based INSERT that de-duplicates
 * against the pool and within the upload through the (campaign_id, code) unique key.
 * Uploads to one campaign run one after another (a transaction-scoped advisory lock).
 */
@Injectable()
export class CodePoolService {
  private readonly logger = new Logger(CodePoolService.name);
  /** CSV uploads reading their bodies now: each holds a connection for as long as its sender takes. */
  private streaming = 0;
  private readonly maxStreaming: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // A quarter of the pool at most (two at least), so slow senders never starve the rest of the API.
    this.maxStreaming = Math.max(2, Math.floor(config.databasePoolSize / 4));
  }

  /** Checks the caller may load codes into this campaign, before any byte of the body is read. */
  async assertAccepts(user: AuthUser, campaignId: string): Promise<Campaign> {
    const campaign = await findCampaignFor(this.dataSource.manager, user, campaignId);
    assertAcceptsCodes(campaign);
    return campaign;
  }

  /** `startedAt`: when the request's handler began (the request timeout's clock). */
  uploadJson(campaign: Campaign, codes: string[], startedAt: number): Promise<CodeUploadResultDto> {
    return this.inTransaction(campaign, startedAt, async ({ insert }) => {
      for (let i = 0; i < codes.length; i += CHUNK_SIZE) await insert(codes.slice(i, i + CHUNK_SIZE));
    });
  }

  /** Reads a text/csv request body (decoded) as it arrives; never holds more than one chunk of codes. */
  async uploadCsv(campaign: Campaign, body: Readable, startedAt: number, charset?: string): Promise<CodeUploadResultDto> {
    if (this.streaming >= this.maxStreaming) {
      throw new DomainError(ErrorCode.ServiceUnavailable, 'Too many code uploads are in progress; retry shortly');
    }
    this.streaming++;
    try {
      return await this.streamCsv(campaign, body, startedAt, charset);
    } finally {
      this.streaming--;
    }
  }

  private streamCsv(campaign: Campaign, body: Readable, startedAt: number, charset?: string): Promise<CodeUploadResultDto> {
    return this.inTransaction(campaign, startedAt, async ({ insert, deadline }) => {
      const reader = new CsvCodeReader(charset);
      let bytes = 0;
      let total = 0;
      let chunk: string[] = [];
      const take = async (codes: string[]) => {
        total += codes.length;
        if (total > MAX_CSV_CODES) throw tooLarge(`at most ${MAX_CSV_CODES} codes per upload`);
        chunk.push(...codes);
        if (chunk.length >= CHUNK_SIZE) {
          await insert(chunk);
          chunk = [];
        }
      };
      try {
        // destroyOnReturn false: on a refusal the response must still reach the client;
        // Node discards the unread rest of the body once the response is sent.
        // A sender that stalls (the body never ends, the socket stays open) must not keep the
        // transaction and its lock past the deadline.
        for await (const data of beforeDeadline(body.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>, deadline, tooSlow)) {
          bytes += data.length;
          if (bytes > MAX_CSV_BYTES) throw tooLarge(`at most ${MAX_CSV_BYTES / 1024 / 1024} MB per upload`);
          await take(reader.push(data));
        }
        await take(reader.end());
      } catch (error) {
        if (error instanceof CsvCodeError) {
          throw new DomainError(ErrorCode.ValidationFailed, `Invalid input: codes (${error.message})`, [
            { field: 'codes', errors: [error.message] },
          ]);
        }
        // zlib's errors (Z_DATA_ERROR, Z_BUF_ERROR, …) and brotli's (ERR__ERROR_FORMAT_…, ERR_BROTLI_…):
        // the body is not what its Content-Encoding says
        if (/^(Z_|ERR_BROTLI|ERR__ERROR_)/.test((error as { code?: string }).code ?? '')) {
          throw new DomainError(ErrorCode.ValidationFailed, 'Invalid input: the body does not decode as its Content-Encoding says', [
            { field: 'body', errors: ['the body does not decode as its Content-Encoding says'] },
          ]);
        }
        throw error;
      }
      if (chunk.length) await insert(chunk);
      if (total === 0) {
        throw new DomainError(ErrorCode.ValidationFailed, 'Invalid input: codes', [{ field: 'codes', errors: ['the upload holds no code'] }]);
      }
    });
  }

  private async inTransaction(
    campaign: Campaign,
    startedAt: number,
    feed: (upload: { insert: (codes: string[]) => Promise<void>; deadline: number }) => Promise<void>,
  ): Promise<CodeUploadResultDto> {
    const timeout = this.config.requestTimeoutMs;
    // From the request's start (the handler's), not this transaction's: validating a large JSON
    // body before it took long enough that the upload could still commit after the 503.
    const deadline = startedAt + (timeout > 2 * DEADLINE_MARGIN_MS ? timeout - DEADLINE_MARGIN_MS : timeout / 2);
    const assertInTime = () => {
      if (Date.now() > deadline) throw tooSlow();
    };
    const result = await this.dataSource.transaction(async (manager) => {
      // One upload per campaign at a time: two uploads sharing codes in different orders would
      // each wait on a key the other inserted first (a deadlock, one of them a 500). An advisory
      // lock rather than the campaign row's: claims lock that row, and an upload may take seconds.
      // Waited for until the deadline at most (lock_timeout covers advisory locks too).
      await manager.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.max(1, deadline - Date.now())}ms`]);
      try {
        await manager.query(`SELECT pg_advisory_xact_lock(hashtext('campaign_codes'), hashtext($1))`, [campaign.id]);
      } catch (error) {
        if (pgErrorCode(error) !== LOCK_NOT_AVAILABLE) throw error;
        throw new DomainError(ErrorCode.ServiceUnavailable, 'Another upload to this campaign is still running; retry later');
      }
      await manager.query(`SELECT set_config('lock_timeout', '0', true)`);
      const counts = { added: 0, duplicates: 0 };
      const insert = async (codes: string[]) => {
        assertInTime();
        // A chunk gets what is left before the deadline, waits included: a code another transaction
        // is adding holds the insert until that one ends, which could outlive the request's 503.
        await manager.query(`SELECT set_config('statement_timeout', $1, true)`, [`${Math.max(1, deadline - Date.now())}ms`]);
        const added = await insertChunk(manager, campaign.id, codes).catch((error: unknown) => {
          throw pgErrorCode(error) === QUERY_CANCELED ? tooSlow() : error;
        });
        counts.added += added;
        counts.duplicates += codes.length - added;
      };
      await feed({ insert, deadline });
      assertInTime();
      return counts;
    });
    codesAdded.inc(result.added);
    if (result.added >= ANALYZE_AFTER_CODES) {
      void this.dataSource.query('ANALYZE campaign_codes').catch((error: Error) => this.logger.warn(`ANALYZE campaign_codes failed: ${error.message}`));
    }
    return result;
  }
}

const LOCK_NOT_AVAILABLE = '55P03';
const QUERY_CANCELED = '57014';

const tooSlow = () => new DomainError(ErrorCode.ServiceUnavailable, 'The upload took too long and was rolled back; send it in smaller parts');

/** The source's items while `deadline` has not passed; `late()` is thrown at the deadline, even while a read waits. */
async function* beforeDeadline<T>(source: AsyncIterator<T>, deadline: number, late: () => Error): AsyncGenerator<T> {
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), Math.max(0, deadline - Date.now()))));
    try {
      const next = await Promise.race([source.next(), expired]);
      if (next.done) return;
      yield next.value;
    } finally {
      clearTimeout(timer);
    }
  }
}

async function insertChunk(manager: EntityManager, campaignId: string, codes: string[]): Promise<number> {
  const [row] = await manager.query(
    `WITH added AS (
       INSERT INTO campaign_codes (campaign_id, code)
       SELECT $1, code FROM unnest($2::text[]) AS code
       ON CONFLICT (campaign_id, code) DO NOTHING
       RETURNING 1
     )
     SELECT count(*)::int AS added FROM added`,
    [campaignId, codes],
  );
  return row.added as number;
}

function assertAcceptsCodes(campaign: Campaign): void {
  if (campaign.perkKind !== PerkKind.DigitalCode) {
    throw new DomainError(ErrorCode.Conflict, `Codes are only for digital_code perks (this one is ${campaign.perkKind})`);
  }
  if (campaign.status === CampaignStatus.Ended) {
    throw new DomainError(ErrorCode.InvalidTransition, 'The campaign has ended: no more codes');
  }
}

function tooLarge(message: string): DomainError {
  return new DomainError(ErrorCode.PayloadTooLarge, `Upload too large: ${message}`);
}
