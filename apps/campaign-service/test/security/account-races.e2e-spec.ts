import { QueryRunner } from 'typeorm';
import { createMember, login, TestApp, TEST_PASSWORD, waitForLockWaiter } from '@app/testing';
import { createCampaignServiceApp } from '../app';
import { insertActiveCampaign, offer } from '../claims/claims-fixtures';
import { KLOUT_KEY, postScores } from '../scores-fixtures';

const ADDRESS = { name: 'Ada L', line1: '7 Race Row', city: 'Springfield', postalCode: '12345', country: 'US' };

/**
 * An erasure or a password change racing the writes it must win over. Each test holds one side
 * in an open transaction, as far as its first lock, lets the other side start and block, then
 * commits: without the user-row locks the other side ran straight through and its data (or
 * session) outlived the erasure (or the password change).
 */
describe('account races: erasure and password change against writers (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createCampaignServiceApp({
      env: { RATE_LIMIT_REGISTER: '0', RATE_LIMIT_LOGIN: '0', RATE_LIMIT_LOGIN_ACCOUNT: '0', RATE_LIMIT_LOGIN_IP: '0', RATE_LIMIT_IP: '0', RATE_LIMIT_ACCOUNT: '0', RATE_LIMIT_CLAIM: '0' },
    });
  });
  afterAll(() => t.close());

  /** Runs `hold` in an open transaction, starts `racer`, waits until it blocks on a lock, commits, and returns the racer's result. */
  async function whileHeld<T>(hold: (tx: QueryRunner) => Promise<void>, racer: () => Promise<T>): Promise<T> {
    const tx = t.dataSource.createQueryRunner();
    await tx.connect();
    await tx.startTransaction();
    try {
      await hold(tx);
      // Promise.resolve sends the request now (a supertest request goes out when awaited).
      const raced = Promise.resolve(racer());
      await waitForLockWaiter(t.dataSource);
      await tx.commitTransaction();
      return await raced;
    } finally {
      if (tx.isTransactionActive) await tx.rollbackTransaction();
      await tx.release();
    }
  }

  /** What DELETE /me does first: lock the user row, then mark it erased (committed by whileHeld). */
  const erasing = (memberId: string) => async (tx: QueryRunner) => {
    await tx.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [memberId]);
    await tx.query(`UPDATE users SET erased_at = now(), password_hash = NULL, display_name = NULL WHERE id = $1`, [memberId]);
  };

  it('refuses a profile write that meets an erasure in flight, instead of bringing the profile back', async () => {
    const member = await createMember(t.http, 'profile-race');
    const res = await whileHeld(erasing(member.id), () =>
      t.http.put('/me/profile').set('Authorization', member.auth).send({ country: 'FR', birthDate: '1980-05-05', optedIn: true }),
    );
    expect(res.status).toBe(401);
    expect(await t.dataSource.query(`SELECT 1 FROM member_profiles WHERE member_id = $1`, [member.id])).toEqual([]);
  });

  it('leaves out of a score batch a member whose erasure was in flight', async () => {
    const [kept, erased] = [await createMember(t.http, 'score-kept'), await createMember(t.http, 'score-erased')];
    const res = await whileHeld(erasing(erased.id), () =>
      postScores(t.http, KLOUT_KEY, '2026-11-20T00:00:00Z', [kept, erased].map((m) => ({ memberId: m.id, score: 60, topics: [] }))),
    );
    expect(res.status).toBe(202);
    const scored = await t.dataSource.query(`SELECT member_id FROM member_scores WHERE member_id = ANY($1::uuid[])`, [[kept.id, erased.id]]);
    expect(scored).toEqual([{ member_id: kept.id }]);
    expect(await t.dataSource.query(`SELECT 1 FROM score_history WHERE member_id = $1`, [erased.id])).toEqual([]);
  });

  it('refuses a physical claim that meets an erasure in flight, instead of storing its address', async () => {
    const member = await createMember(t.http, 'claim-race');
    const campaignId = await insertActiveCampaign(t.dataSource, { kind: 'physical', totalUnits: 5 });
    await offer(t.dataSource, campaignId, [member]);
    const res = await whileHeld(erasing(member.id), () =>
      t.http
        .post(`/campaigns/${campaignId}/claims`)
        .set('Authorization', member.auth)
        .set('Idempotency-Key', 'race')
        .send({ acceptDisclosure: true, shippingAddress: ADDRESS }),
    );
    expect(res.status).toBe(401);
    expect(await t.dataSource.query(`SELECT 1 FROM claims WHERE member_id = $1`, [member.id])).toEqual([]);
  });

  it('waits for a profile write in flight and then erases it too', async () => {
    const member = await createMember(t.http, 'erase-after');
    const res = await whileHeld(
      async (tx) => {
        // What PUT /me/profile holds until it commits: the share lock and the row it wrote.
        await tx.query(`SELECT 1 FROM users WHERE id = $1 FOR SHARE`, [member.id]);
        await tx.query(`INSERT INTO member_profiles (member_id, country, birth_date, opted_in) VALUES ($1, 'FR', '1980-05-05', true)`, [member.id]);
      },
      () => t.http.delete('/me').set('Authorization', member.auth),
    );
    expect(res.status).toBe(204);
    expect(await t.dataSource.query(`SELECT 1 FROM member_profiles WHERE member_id = $1`, [member.id])).toEqual([]);
  });

  it('refuses a login with the old password that meets a password change in flight', async () => {
    const member = await createMember(t.http, 'login-race');
    const res = await whileHeld(
      async (tx) => {
        // What POST /auth/password holds until it commits: the user row, the new hash, every session revoked.
        await tx.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [member.id]);
        await tx.query(`UPDATE users SET password_hash = 'replaced' WHERE id = $1`, [member.id]);
        await tx.query(`UPDATE refresh_tokens SET revoked_at = now(), revoke_reason = 'password_changed' WHERE user_id = $1 AND revoked_at IS NULL`, [member.id]);
      },
      () => t.http.post('/auth/login').send({ email: member.email, password: TEST_PASSWORD }),
    );
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INVALID_CREDENTIALS');
    expect(await t.dataSource.query(`SELECT 1 FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL`, [member.id])).toEqual([]);
    // The login path itself still works.
    await login(t.http, (await createMember(t.http, 'login-ok')).email);
  });
});
