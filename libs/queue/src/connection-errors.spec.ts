import { Global, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { APP_CONFIG, loadConfig } from '@app/config';
import { connectionErrorLogger } from './connection-errors';
import { QueueModule } from './queue.module';
import { ALL_QUEUE_NAMES } from './queues';

describe('connectionErrorLogger', () => {
  afterEach(() => jest.useRealTimers());

  it('warns at once, then at most every 30 s with the count of errors left out', () => {
    jest.useFakeTimers({ now: 0 });
    const logger = new Logger('test');
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const onError = connectionErrorLogger(logger, 'queue q');
    for (let i = 0; i < 50; i++) {
      onError(new Error('connect ECONNREFUSED'));
      jest.advanceTimersByTime(1000);
    }
    expect(warn.mock.calls.map(([message]) => message)).toEqual([
      'queue q: connect ECONNREFUSED',
      'queue q: connect ECONNREFUSED (29 more since the last warning)',
    ]);
  });
});

/** A Redis nobody listens at: every connection attempt fails at once. */
@Global()
@Module({ providers: [{ provide: APP_CONFIG, useValue: loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', REDIS_PREFIX: 'unreachable' }) }], exports: [APP_CONFIG] })
class UnreachableRedisConfig {}

describe('QueueModule while Redis is unreachable', () => {
  it('turns every queue’s connection errors into a few warnings, never stderr dumps', async () => {
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const module = await Test.createTestingModule({ imports: [UnreachableRedisConfig, QueueModule.forRoot()] }).compile();
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(printed).not.toHaveBeenCalled();
      const warned = warn.mock.calls.map(([message]) => String(message));
      for (const name of ALL_QUEUE_NAMES) {
        expect(module.get<Queue>(getQueueToken(name)).listenerCount('error')).toBeGreaterThan(0);
        expect(warned.filter((message) => message.startsWith(`queue ${name}:`))).toHaveLength(1);
      }
    } finally {
      await Promise.all(ALL_QUEUE_NAMES.map((name) => module.get<Queue>(getQueueToken(name)).close()));
      printed.mockRestore();
      warn.mockRestore();
    }
  });
});
