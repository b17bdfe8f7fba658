import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { DatabaseError } from 'pg';
import pino from 'pino';
import pinoHttp from 'pino-http';
import { QueryFailedError } from 'typeorm';
import { pinoHttpOptions } from './logger.module';

function capture(): { logger: pino.Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  // The services' own logger, as nestjs-pino builds it from these options.
  return { logger: pinoHttp(pinoHttpOptions({ log: { level: 'info', pretty: false } }), stream).logger, text: () => chunks.join('') };
}

describe('log redaction', () => {
  const secrets = {
    bearer: 'Bearer eyJhbGciOiJIUzI1NiJ9.secret-token',
    password: 'hunter2-hunter2',
    code: 'PERK-CODE-12345',
    street: '221B Baker Street',
    refresh: 'refresh-token-value',
    providerKey: 'provider-key-value',
  };
  const address = { name: 'Ada', line1: secrets.street, city: 'London', postalCode: 'NW1', country: 'GB' };

  it('hides credentials, perk codes and addresses at the top level and one level down', () => {
    const { logger, text } = capture();
    logger.info({ req: { headers: { authorization: secrets.bearer, 'x-provider-key': secrets.providerKey, cookie: 'sid=1' } } }, 'request');
    logger.info({ password: secrets.password, newPassword: secrets.password, refreshToken: secrets.refresh }, 'top level');
    logger.info({ body: { password: secrets.password, code: secrets.code, shippingAddress: address } }, 'nested');
    logger.info({ claim: { fulfillment: 'x', code: secrets.code }, dto: { currentPassword: secrets.password } }, 'nested dto');
    const output = text();
    for (const secret of Object.values(secrets)) expect(output).not.toContain(secret);
    expect(output).toContain('[redacted]');
    expect(output.split('\n').filter(Boolean)).toHaveLength(4);
  });

  it("logs a URL's query values only for the API's own filters and paging: never a ticket, token or email", () => {
    const { logger, text } = capture();
    logger.info({ req: { id: '1', method: 'GET', url: '/admin/queues?ticket=eyJ.secret.sig&x=1' } }, 'request');
    for (const url of ['/admin/queues?ticke%74=eyJ.secret.sig', '/admin/queues?ticket[]=eyJ.secret.sig', '/admin/queues?a=1;ticket=eyJ.secret.sig', '/admin/queues?%zz&ticket=eyJ.secret.sig', '/me?access_token=eyJ.secret.sig&email=ada%40example.com', '/me/claims?limit=1;ticket=eyJ.secret.sig']) {
      logger.info({ req: { id: '2', method: 'GET', url } }, 'request');
    }
    logger.info({ req: { id: '3', method: 'GET', url: '/admin/claims?status=failed&limit=20&cursor=MjAyNi0xMS0yNw.abc-1' } }, 'request');
    expect(text()).not.toContain('eyJ.secret.sig');
    expect(text()).not.toContain('ada');
    expect(text()).toContain('/admin/queues?ticket=[redacted]&x=[redacted]');
    expect(text()).toContain('/admin/claims?status=failed&limit=20&cursor=MjAyNi0xMS0yNw.abc-1');
  });
});

describe('request log lines', () => {
  it("carry no made-up error for a 5xx answer (its cause is logged by the error filter), but a real one's", async () => {
    const chunks: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void chunks.push(chunk.toString())) });
    const middleware = pinoHttp(pinoHttpOptions({ log: { level: 'info', pretty: false } }), stream);
    const answer = (status: number, err?: Error) => {
      const res = Object.assign(new EventEmitter(), { statusCode: status, err, getHeader: () => undefined, setHeader: () => undefined });
      middleware(Object.assign(new EventEmitter(), { method: 'GET', url: '/x', headers: {}, socket: {} }) as never, res as never);
      res.emit('finish');
    };
    answer(503);
    answer(500, new Error('the real cause'));
    const [made, real] = chunks.map((line) => JSON.parse(line) as { msg: string; err?: { message: string } });
    expect(made).toMatchObject({ msg: 'request errored' });
    expect(made.err).toBeUndefined();
    expect(real.err?.message).toBe('the real cause');
  });
});

describe('request facts', () => {
  it("name the account (its id) and the API's error code of an answer, when there are", () => {
    const chunks: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void chunks.push(chunk.toString())) });
    const middleware = pinoHttp(pinoHttpOptions({ log: { level: 'info', pretty: false } }), stream);
    const answer = (status: number, user?: { id: string }, errorCode?: string) => {
      const req = Object.assign(new EventEmitter(), { method: 'POST', url: '/x', headers: {}, socket: {} });
      const res = Object.assign(new EventEmitter(), { statusCode: status, locals: {}, getHeader: () => undefined, setHeader: () => undefined });
      middleware(req as never, res as never);
      // Set later in the request, as the auth guard and the error filter do.
      Object.assign(req, { user });
      Object.assign(res.locals, errorCode ? { errorCode } : {});
      res.emit('finish');
    };
    answer(409, { id: 'member-1' }, 'SOLD_OUT');
    answer(200);
    const [refused, anonymous] = chunks.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(refused).toMatchObject({ userId: 'member-1', errorCode: 'SOLD_OUT' });
    expect(anonymous).not.toHaveProperty('userId');
    expect(anonymous).not.toHaveProperty('errorCode');
  });
});

describe('logged errors', () => {
  const campaignId = '0196a4d2-0000-7000-8000-000000000001';
  const codes = ['J-SECRET-0', 'J-SECRET-1', 'J-SECRET-2'];

  /** What TypeORM throws when PostgreSQL refuses a statement: the values ride along on it and on its driverError. */
  function queryFailed(): QueryFailedError {
    const driverError = Object.assign(new DatabaseError('deadlock detected', 0, 'error'), {
      code: '40P01',
      detail: `Process 1 waits for ShareLock on transaction 2. Key (campaign_id, code)=(${campaignId}, J-SECRET-1) is held by process 2.`,
      where: 'while inserting index tuple (0,12) in relation "campaign_codes"',
      internalQuery: `SELECT 'J-SECRET-2'`,
      table: 'campaign_codes',
      constraint: 'campaign_codes_campaign_id_code_key',
    });
    const sql = 'INSERT INTO campaign_codes (campaign_id, code) SELECT $1, code FROM unnest($2::text[]) AS code ON CONFLICT DO NOTHING';
    return new QueryFailedError(sql, [campaignId, codes], driverError);
  }

  it.each([
    ['under err, as the HTTP filter logs it', (logger: pino.Logger, error: Error) => logger.error({ err: error }, 'Unhandled error')],
    ['as the only argument', (logger: pino.Logger, error: Error) => logger.error(error)],
    ['in a child logger', (logger: pino.Logger, error: Error) => logger.child({ context: 'Worker' }).warn({ err: error }, 'job failed')],
  ])('drop the query parameters and the values PostgreSQL echoes (%s)', (_, log) => {
    const { logger, text } = capture();
    const error = queryFailed();
    log(logger, error);
    const output = text();
    expect(output).not.toContain('SECRET');
    expect(output).not.toContain(campaignId);
    const line = JSON.parse(output);
    // What the statement and the rule were stays readable.
    expect(line.err).toMatchObject({
      type: 'QueryFailedError',
      message: 'deadlock detected',
      constraint: 'campaign_codes_campaign_id_code_key',
      query: expect.stringContaining('INSERT INTO campaign_codes'),
      driverError: expect.objectContaining({ code: '40P01', table: 'campaign_codes' }),
      // TypeORM copies the SQLSTATE onto the error; `code` is redacted everywhere (perk codes), so it is errorCode.
      errorCode: '40P01',
    });
    expect(line.err.stack).toContain('deadlock detected');
    for (const field of ['parameters', 'detail', 'where', 'internalQuery']) {
      expect(line.err).not.toHaveProperty(field);
      expect(line.err.driverError).not.toHaveProperty(field);
    }
    // The error itself is left as it was (it may still be handled after the log line).
    expect(error.parameters).toEqual([campaignId, codes]);
  });

  it('keeps other errors as pino writes them', () => {
    const { logger, text } = capture();
    logger.error({ err: Object.assign(new Error('carrier unavailable'), { status: 503 }) }, 'failed');
    expect(JSON.parse(text()).err).toEqual({ type: 'Error', message: 'carrier unavailable', stack: expect.stringContaining('carrier unavailable'), status: 503 });
  });
});
