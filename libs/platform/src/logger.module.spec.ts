import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED_LOG_PATHS } from './logger.module';

function capture(): { logger: pino.Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } }, stream), text: () => chunks.join('') };
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
});
