import { createHash, randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { createMember, TestApp, TEST_PASSWORD } from '@app/testing';
import { createCampaignServiceApp } from '../app';

interface Tokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}

describe('sessions: refresh rotation, reuse detection, logout, password change (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createCampaignServiceApp({ env: { JWT_TTL_SECONDS: '300' } });
  });
  afterAll(() => t.close());

  async function login(email: string, password = TEST_PASSWORD): Promise<Tokens> {
    return (await t.http.post('/auth/login').send({ email, password }).expect(200)).body as Tokens;
  }
  const refresh = (refreshToken: string) => t.http.post('/auth/refresh').send({ refreshToken });
  const hashOf = (refreshToken: string) => createHash('sha256').update(refreshToken).digest();
  /** Moves a token's rotation back past REFRESH_TOKEN_REUSE_GRACE_SECONDS (30). */
  const rotatedLongAgo = (refreshToken: string) =>
    t.dataSource.query(`UPDATE refresh_tokens SET revoked_at = now() - interval '31 seconds' WHERE token_hash = $1`, [hashOf(refreshToken)]);

  it('login answers the API.md fields plus an opaque refresh token stored only as its sha256', async () => {
    const member = await createMember(t.http);
    const tokens = await login(member.email);
    expect(tokens).toEqual({ accessToken: expect.any(String), expiresIn: 300, refreshToken: expect.stringMatching(/^[\w-]{43}$/) });
    const rows = await t.dataSource.query(`SELECT token_hash FROM refresh_tokens WHERE user_id = $1`, [member.id]);
    const hashes = rows.map((r: { token_hash: Buffer }) => r.token_hash.toString('hex'));
    expect(hashes).toContain(createHash('sha256').update(tokens.refreshToken).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(tokens.refreshToken);
  });

  it('rotates on refresh: the new access token works, the old refresh token is spent', async () => {
    const member = await createMember(t.http);
    const first = await login(member.email);
    const second = (await refresh(first.refreshToken).expect(200)).body as Tokens;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await t.http.get('/me').set('Authorization', `Bearer ${second.accessToken}`).expect(200);
    const third = (await refresh(second.refreshToken).expect(200)).body as Tokens;
    expect(third.refreshToken).not.toBe(second.refreshToken);
  });

  it('reuse of a rotated token revokes the whole family, including the newest token', async () => {
    const member = await createMember(t.http);
    const stolen = await login(member.email);
    const legit = (await refresh(stolen.refreshToken).expect(200)).body as Tokens;
    await rotatedLongAgo(stolen.refreshToken);
    const reuse = await refresh(stolen.refreshToken).expect(401);
    expect(reuse.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    await refresh(legit.refreshToken).expect(401);
    // A separate session of the same member is not affected.
    const other = await login(member.email);
    await refresh(other.refreshToken).expect(200);
  });

  it('two refreshes with one token at once (two tabs) both renew the session; a third use later ends it', async () => {
    const member = await createMember(t.http);
    const tokens = await login(member.email);
    const results = await Promise.all([refresh(tokens.refreshToken), refresh(tokens.refreshToken)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const [a, b] = results.map((r) => r.body as Tokens);
    expect(a.refreshToken).not.toBe(b.refreshToken);
    await t.http.get('/me').set('Authorization', `Bearer ${b.accessToken}`).expect(200);
    const renewed = (await refresh(a.refreshToken).expect(200)).body as Tokens;
    // Once the grace has passed, the first token is a copy: every token of the session is refused.
    await rotatedLongAgo(tokens.refreshToken);
    await refresh(tokens.refreshToken).expect(401);
    await refresh(b.refreshToken).expect(401);
    await refresh(renewed.refreshToken).expect(401);
  });

  it('the reuse grace never revives a session that was logged out or whose password changed', async () => {
    const member = await createMember(t.http);
    const loggedOut = await login(member.email);
    const next = (await refresh(loggedOut.refreshToken).expect(200)).body as Tokens;
    await t.http.post('/auth/logout').send({ refreshToken: next.refreshToken }).expect(204);
    await refresh(loggedOut.refreshToken).expect(401);

    const changed = await login(member.email);
    const current = (await refresh(changed.refreshToken).expect(200)).body as Tokens;
    await t.http
      .post('/auth/password')
      .set('Authorization', `Bearer ${current.accessToken}`)
      .send({ currentPassword: TEST_PASSWORD, newPassword: 'a-brand-new-password' })
      .expect(204);
    await refresh(changed.refreshToken).expect(401);
  });

  it('with REFRESH_TOKEN_REUSE_GRACE_SECONDS=0 a second use at once is already reuse', async () => {
    const strict = await createCampaignServiceApp({ env: { REFRESH_TOKEN_REUSE_GRACE_SECONDS: '0' } });
    try {
      const member = await createMember(strict.http);
      const tokens = (await strict.http.post('/auth/login').send({ email: member.email, password: TEST_PASSWORD }).expect(200)).body as Tokens;
      const results = await Promise.all([0, 1].map(() => strict.http.post('/auth/refresh').send({ refreshToken: tokens.refreshToken })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
      const winner = results.find((r) => r.status === 200)!.body as Tokens;
      await strict.http.post('/auth/refresh').send({ refreshToken: winner.refreshToken }).expect(401);
    } finally {
      await strict.close();
    }
  });

  it('logout ends the session; unknown tokens are accepted silently', async () => {
    const member = await createMember(t.http);
    const tokens = await login(member.email);
    await t.http.post('/auth/logout').send({ refreshToken: tokens.refreshToken }).expect(204);
    await refresh(tokens.refreshToken).expect(401);
    await t.http.post('/auth/logout').send({ refreshToken: 'not-a-token' }).expect(204);
  });

  it('logout ends the whole session, whichever of its tokens is presented: the other tab’s, or one already rotated', async () => {
    const member = await createMember(t.http);
    const tokens = await login(member.email);
    // Two tabs renewed at once: the session has two live refresh tokens.
    const [a, b] = (await Promise.all([refresh(tokens.refreshToken), refresh(tokens.refreshToken)])).map((r) => r.body as Tokens);
    await t.http.post('/auth/logout').send({ refreshToken: a.refreshToken }).expect(204);
    await refresh(b.refreshToken).expect(401);

    const other = await login(member.email);
    const current = (await refresh(other.refreshToken).expect(200)).body as Tokens;
    // A tab that missed the renewal logs out with the token it still holds.
    await t.http.post('/auth/logout').send({ refreshToken: other.refreshToken }).expect(204);
    await refresh(current.refreshToken).expect(401);
  });

  it('password change needs the current password, then revokes every session and the old password', async () => {
    const member = await createMember(t.http);
    const a = await login(member.email);
    const b = await login(member.email);
    const newPassword = 'another-long-password';
    const wrong = await t.http
      .post('/auth/password')
      .set('Authorization', `Bearer ${a.accessToken}`)
      .send({ currentPassword: 'not-my-password', newPassword })
      .expect(401);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
    await refresh(a.refreshToken).then((r) => expect(r.status).toBe(200));

    await t.http
      .post('/auth/password')
      .set('Authorization', `Bearer ${a.accessToken}`)
      .send({ currentPassword: TEST_PASSWORD, newPassword })
      .expect(204);
    await refresh(b.refreshToken).expect(401);
    await t.http.post('/auth/login').send({ email: member.email, password: TEST_PASSWORD }).expect(401);
    await login(member.email, newPassword);
  });

  it('ends a session SESSION_MAX_AGE_SECONDS (90 days) after its login, however often it was renewed', async () => {
    const member = await createMember(t.http);
    const first = await login(member.email);
    const renewed = (await refresh(first.refreshToken).expect(200)).body as Tokens;
    // The renewed token is fresh, but the session began at the login, 91 days ago.
    await t.dataSource.query(`UPDATE refresh_tokens SET created_at = now() - interval '91 days' WHERE token_hash = $1`, [hashOf(first.refreshToken)]);
    await refresh(renewed.refreshToken).expect(401);
    // A session begun 89 days ago still renews.
    const recent = await login(member.email);
    await t.dataSource.query(`UPDATE refresh_tokens SET created_at = now() - interval '89 days' WHERE token_hash = $1`, [hashOf(recent.refreshToken)]);
    await refresh(recent.refreshToken).expect(200);
  });

  it('refuses expired refresh tokens and tokens of erased accounts', async () => {
    const member = await createMember(t.http);
    const expired = await login(member.email);
    await t.dataSource.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [hashOf(expired.refreshToken)]);
    await refresh(expired.refreshToken).expect(401);

    const live = await login(member.email);
    await t.dataSource.query(`UPDATE users SET erased_at = now() WHERE id = $1`, [member.id]);
    await refresh(live.refreshToken).expect(401);
    // Its access token is refused as invalid (401) on every route, before any role is weighed (not 403).
    const erased = await createMember(t.http);
    await t.http.delete('/me').set('Authorization', erased.auth).expect(204);
    for (const path of ['/me/claims', '/admin/audit-log', '/campaigns']) {
      expect((await t.http.get(path).set('Authorization', erased.auth)).status).toBe(401);
    }
  });

  it('refuses forged, tampered, unsigned and expired access tokens (API2)', async () => {
    const member = await createMember(t.http);
    const [header, payload, signature] = member.token.split('.');
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = [
      `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...claims, role: 'admin' })}.`,
      `${header}.${encode({ ...claims, role: 'admin' })}.${signature}`,
      `${header}.${payload}.${signature.slice(0, -2)}AA`,
      `${header}.${encode({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 })}.${signature}`,
      new JwtService({ secret: 'another-secret-of-enough-length' }).sign({ sub: member.id, role: 'admin', brandId: null }),
      new JwtService({ secret: 'test-secret-that-is-long-enough' }).sign({ sub: member.id, role: 'superuser', brandId: null }),
      new JwtService({ secret: 'test-secret-that-is-long-enough' }).sign({ sub: member.id, role: 'member' }, { expiresIn: -10 }),
      // Signed with the right secret but not as the platform issues tokens: no expiry, an id that is no UUID (was a 500).
      new JwtService({ secret: 'test-secret-that-is-long-enough' }).sign({ sub: member.id, role: 'member', brandId: null }),
      new JwtService({ secret: 'test-secret-that-is-long-enough' }).sign({ sub: 'not-a-uuid', role: 'member', brandId: null }, { expiresIn: 60 }),
    ];
    for (const token of forged) {
      const res = await t.http.get('/me').set('Authorization', `Bearer ${token}`).expect(401);
      expect(res.body.code).toBe('UNAUTHORIZED');
    }
    await t.http.get('/admin/audit-log').set('Authorization', `Bearer ${forged[0]}`).expect(401);
  });

  it('refuses validly signed tokens that name no account as it is: unknown user, other role or brand, odd spelling (were 500 or 503)', async () => {
    const member = await createMember(t.http);
    const sign = (claims: object) => `Bearer ${new JwtService({ secret: 'test-secret-that-is-long-enough' }).sign(claims, { expiresIn: 60 })}`;
    const cases: [string, string, string][] = [
      [sign({ sub: randomUUID(), role: 'brand', brandId: 'not-a-uuid' }), 'GET', '/campaigns'],
      [sign({ sub: randomUUID(), role: 'brand', brandId: randomUUID() }), 'GET', '/campaigns'],
      [sign({ sub: randomUUID(), role: 'admin', brandId: null }), 'GET', '/admin/audit-log'],
      [sign({ sub: member.id, role: 'admin', brandId: null }), 'GET', '/admin/audit-log'],
      [sign({ sub: member.id, role: 'member', brandId: randomUUID() }), 'GET', '/me/claims'],
      [sign({ sub: member.id.toUpperCase(), role: 'member', brandId: null }), 'GET', '/me/claims'],
    ];
    // The member's own token first: the account, seen live as a member, is not believed live as anything else.
    await t.http.get('/me/claims').set('Authorization', `Bearer ${member.token}`).expect(200);
    for (const [auth, method, path] of cases) {
      const res = await t.http[method === 'GET' ? 'get' : 'post'](path).set('Authorization', auth);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 401, code: 'UNAUTHORIZED' });
    }
    await t.http.get('/me/claims').set('Authorization', `Bearer ${member.token}`).expect(200);
  });

  it('validates the refresh body and requires a bearer token for password change', async () => {
    expect((await t.http.post('/auth/refresh').send({}).expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await t.http.post('/auth/refresh').send({ refreshToken: 'x'.repeat(201) }).expect(400)).body.code).toBe('VALIDATION_FAILED');
    await t.http.post('/auth/password').send({ currentPassword: 'x', newPassword: 'y'.repeat(12) }).expect(401);
  });

  it('refuses an access token signed with the right secret under another algorithm than HS256', async () => {
    const member = await createMember(t.http);
    const claims = { sub: member.id, role: 'member', brandId: null };
    const jwt = new JwtService({ secret: 'test-secret-that-is-long-enough' });
    await t.http.get('/me').set('Authorization', `Bearer ${jwt.sign(claims, { expiresIn: 60 })}`).expect(200);
    for (const algorithm of ['HS384', 'HS512'] as const) {
      const res = await t.http.get('/me').set('Authorization', `Bearer ${jwt.sign(claims, { expiresIn: 60, algorithm })}`).expect(401);
      expect(res.body.code).toBe('UNAUTHORIZED');
    }
  });

  it('refuses an access token once it expires, though it was accepted (and remembered as verified) just before', async () => {
    const member = await createMember(t.http);
    const jwt = new JwtService({ secret: 'test-secret-that-is-long-enough' });
    const token = jwt.sign({ sub: member.id, role: 'member', brandId: null }, { expiresIn: 2 });
    await t.http.get('/me').set('Authorization', `Bearer ${token}`).expect(200);
    const { exp } = jwt.decode(token) as { exp: number };
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 200));
    expect((await t.http.get('/me').set('Authorization', `Bearer ${token}`).expect(401)).body.code).toBe('UNAUTHORIZED');
  });
});
