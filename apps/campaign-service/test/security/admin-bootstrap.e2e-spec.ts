import { Logger } from '@nestjs/common';
import { DEV_DEFAULTS } from '@app/config';
import { TestApp } from '@app/testing';
import { AuthService } from '../../src/auth/auth.service';
import { hashPassword } from '../../src/auth/password-hasher';
import { createCampaignServiceApp } from '../app';

describe('admin account at boot (e2e)', () => {
  let t: TestApp;
  let warnings: string[];

  beforeAll(async () => {
    t = await createCampaignServiceApp();
  });
  afterAll(() => t.close());

  /** The boot step again, with its warnings. */
  async function boot(): Promise<string[]> {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await t.app.get(AuthService).onApplicationBootstrap();
      return warn.mock.calls.map(([message]) => String(message));
    } finally {
      warn.mockRestore();
    }
  }

  it('creates the admin once and warns about nothing when its credentials are its own', async () => {
    warnings = await boot();
    expect(warnings).toEqual([]);
    expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE role = 'admin'`)).toEqual([{ n: 1 }]);
  });

  it('warns about an admin account that still takes the public default password, e.g. after ADMIN_EMAIL changed', async () => {
    await t.dataSource.query(`INSERT INTO users (email, password_hash, role, display_name) VALUES ('admin@perks.local', $1, 'admin', 'Administrator')`, [
      await hashPassword(DEV_DEFAULTS.adminPassword),
    ]);
    warnings = await boot();
    expect(warnings).toEqual([expect.stringContaining('admin@perks.local still takes the public default password')]);
  });

  it('warns when ADMIN_PASSWORD is no longer the password of the admin it names (it only creates the account)', async () => {
    await t.dataSource.query(`DELETE FROM users WHERE email = 'admin@perks.local'`);
    await t.dataSource.query(`UPDATE users SET password_hash = $1 WHERE email = 'admin@test.local'`, [await hashPassword('changed-through-the-api')]);
    warnings = await boot();
    expect(warnings).toEqual([expect.stringContaining('ADMIN_PASSWORD is not the password of admin account admin@test.local')]);
  });
});
