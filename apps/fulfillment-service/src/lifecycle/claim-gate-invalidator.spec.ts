import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { ClaimGateInvalidator } from './claim-gate-invalidator.service';

describe('ClaimGateInvalidator while Redis is unreachable', () => {
  it('fails the call and warns, without printing every reconnect error to stderr', async () => {
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const invalidator = new ClaimGateInvalidator(loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' }));
    try {
      await expect(invalidator.invalidate('0196a4d2-0000-7000-8000-000000000001')).rejects.toThrow();
      expect(printed).not.toHaveBeenCalled();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^claim gate invalidation: .*ECONNREFUSED/));
    } finally {
      invalidator.onApplicationShutdown();
      printed.mockRestore();
      warn.mockRestore();
    }
  });
});
