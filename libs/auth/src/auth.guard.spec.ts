import { Provider } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { Test } from '@nestjs/testing';
import { ACCOUNT_CHECK, AuthGuard } from './auth.guard';

describe('AuthGuard', () => {
  const build = (providers: Provider[]) =>
    Test.createTestingModule({ providers: [AuthGuard, Reflector, { provide: JwtService, useValue: {} }, ...providers] }).compile();

  it('refuses to boot without an account check, rather than accept the tokens of erased accounts', async () => {
    await expect(build([])).resolves.toBeDefined();
    await expect((await build([])).init()).rejects.toThrow(/ACCOUNT_CHECK/);
  });

  it('boots with one', async () => {
    const app = await (await build([{ provide: ACCOUNT_CHECK, useValue: { assertLive: async () => undefined } }])).init();
    expect(app.get(AuthGuard)).toBeInstanceOf(AuthGuard);
  });
});
