import { request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Actor, createBrand, createMember, login, loginAdmin, TestApp, TEST_PASSWORD } from '@app/testing';
import { hashPassword } from '../src/auth/password-hasher';
import { MAX_JSON_CODES } from '../src/inventory/dto/inventory.dto';
import { createCampaign, createCampaignTestApp, markFunded } from './campaign-fixtures';

const digital = (totalUnits = 100) => ({ totalUnits, perk: { kind: 'digital_code', title: 'Gift code', unitCostCents: 100 } });

describe('inventory (e2e)', () => {
  let t: TestApp;
  let brand: Actor;
  let otherBrand: Actor;
  let member: Actor;
  let admin: Actor;
  let secondAdmin: Actor;

  beforeAll(async () => {
    t = await createCampaignTestApp();
    [brand, otherBrand, member, admin] = await Promise.all([
      createBrand(t.http, 'inv-brand'),
      createBrand(t.http, 'inv-other'),
      createMember(t.http),
      loginAdmin(t.http),
    ]);
    const email = 'second-admin@test.local';
    const [row] = await t.dataSource.query(
      `INSERT INTO users (email, password_hash, role, display_name) VALUES ($1, $2, 'admin', 'Second admin') RETURNING id`,
      [email, await hashPassword(TEST_PASSWORD)],
    );
    const token = await login(t.http, email);
    secondAdmin = { id: row.id, email, token, brandId: null, auth: `Bearer ${token}` };
  });
  afterAll(() => t.close());

  const csv = (actor: Actor, id: string, body: string) =>
    t.http.post(`/campaigns/${id}/codes`).set('Authorization', actor.auth).set('Content-Type', 'text/csv').send(body);
  const json = (actor: Actor, id: string, body: unknown) => t.http.post(`/campaigns/${id}/codes`).set('Authorization', actor.auth).send(body as object);
  const inventory = async (id: string, actor = brand) => (await t.http.get(`/campaigns/${id}/inventory`).set('Authorization', actor.auth).expect(200)).body;
  const poolOf = async (id: string): Promise<string[]> =>
    (await t.dataSource.query(`SELECT code FROM campaign_codes WHERE campaign_id = $1 ORDER BY id`, [id])).map((r: { code: string }) => r.code);

  describe('POST /campaigns/:id/codes', () => {
    it('adds JSON codes, counting duplicates within the upload and against the pool', async () => {
      const { id } = await createCampaign(t.http, brand, digital());
      expect((await json(brand, id, { codes: ['A1', 'B2', 'B2', 'C3'] }).expect(201)).body).toEqual({ added: 3, duplicates: 1 });
      expect((await json(brand, id, { codes: ['A1', 'D4'] }).expect(201)).body).toEqual({ added: 1, duplicates: 1 });
      expect(await poolOf(id)).toEqual(['A1', 'B2', 'C3', 'D4']);
    });

    it('streams text/csv with an optional header, CRLF, blank lines and quoted codes', async () => {
      const { id } = await createCampaign(t.http, brand, digital());
      const res = await csv(brand, id, 'code\r\nX-1\r\n\r\n  X-2  \r\nX-1\r\n"X,3"\r\nX-4').expect(201);
      expect(res.body).toEqual({ added: 4, duplicates: 1 });
      expect(await poolOf(id)).toEqual(['X-1', 'X-2', 'X,3', 'X-4']);
    });

    it('is atomic: a bad line adds nothing, and the 400 names the field and the line', async () => {
      const { id } = await createCampaign(t.http, brand, digital());
      const lines = Array.from({ length: 12_000 }, (_, i) => `OK-${i}`);
      lines.push('two,columns');
      const res = await csv(brand, id, lines.join('\n')).expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'codes', errors: [expect.stringContaining('line 12001')] }] });
      expect(await poolOf(id)).toEqual([]);
    });

    it.each([
      [{}, 'codes'],
      [{ codes: [] }, 'codes'],
      [{ codes: 'A,B' }, 'codes'],
      [{ codes: [''] }, 'codes'],
      [{ codes: [42] }, 'codes'],
      [{ codes: ['x'.repeat(201)] }, 'codes'],
      [{ codes: ['bad\u0000byte'] }, 'codes'],
      [{ codes: ['A'], campaignId: 'x' }, 'campaignId'],
    ])('refuses JSON %j with 400 naming %s', async (body, field) => {
      const { id } = await createCampaign(t.http, brand, digital());
      const res = await json(brand, id, body).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('refuses an empty CSV, other media types, and codes for perks without codes', async () => {
      const { id } = await createCampaign(t.http, brand, digital());
      expect((await csv(brand, id, 'code\n\n').expect(400)).body.details[0].field).toBe('codes');
      const plain = await t.http.post(`/campaigns/${id}/codes`).set('Authorization', brand.auth).set('Content-Type', 'text/plain').send('A');
      expect(plain.status).toBe(415);
      expect(plain.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      const physical = await createCampaign(t.http, brand, { perk: { kind: 'physical', title: 'Box', unitCostCents: 100 } });
      expect((await json(brand, physical.id, { codes: ['A'] }).expect(409)).body.code).toBe('CONFLICT');
    });

    it('refuses a body over 20 MB with 413 before reading it', async () => {
      const { id } = await createCampaign(t.http, brand, digital());
      const res = await csv(brand, id, 'A\n'.repeat(10.5 * 1024 * 1024));
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await poolOf(id)).toEqual([]);
    });

    it('reads a CSV sent compressed (gzip, deflate, br) as the JSON parser does; an unknown or broken encoding adds nothing', async () => {
      const { id } = await createCampaign(t.http, brand, digital());
      const send = (encoding: string, body: Buffer) =>
        t.http.post(`/campaigns/${id}/codes`).set('Authorization', brand.auth).set('Content-Type', 'text/csv').set('Content-Encoding', encoding).send(body);
      await send('gzip', gzipSync('code\nZ-1\nZ-2\n')).expect(201, { added: 2, duplicates: 0 });
      await send('deflate', deflateSync('Z-3\n')).expect(201, { added: 1, duplicates: 0 });
      await send('br', brotliCompressSync('Z-4\nZ-1\n')).expect(201, { added: 1, duplicates: 1 });
      expect((await send('foo', Buffer.from('Z-5\n')).expect(415)).body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      for (const encoding of ['gzip', 'deflate', 'br']) {
        const refused = await send(encoding, Buffer.from('code\nZ-6\n')).expect(400);
        expect(refused.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'body' }] });
      }
      expect(await poolOf(id)).toEqual(['Z-1', 'Z-2', 'Z-3', 'Z-4']);
    });

    it('refuses a chunked body (no Content-Length) once it passes 20 MB, keeping nothing', async () => {
      const { id } = await createCampaign(t.http, brand, digital());
      const server = t.app.getHttpServer() as Server;
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          { port, host: '127.0.0.1', method: 'POST', path: `/campaigns/${id}/codes`, headers: { Authorization: brand.auth, 'Content-Type': 'text/csv' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        const line = Buffer.from('x'.repeat(199) + '\n');
        const block = Buffer.concat(Array.from({ length: 5000 }, () => line)); // 1 MB of the same code
        let sent = 0;
        const pump = () => {
          while (sent < 22) {
            sent += 1;
            if (!req.write(block)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      expect(status).toBe(413);
      expect(await poolOf(id)).toEqual([]);
    });

    it('takes 100,000 codes in one streamed CSV upload, and de-duplicates a second overlapping one', async () => {
      const { id } = await createCampaign(t.http, brand, digital(100_000));
      const codes = Array.from({ length: 100_000 }, (_, i) => `PERK-${i.toString(36).padStart(6, '0')}-${(i * 7919) % 100_003}`);
      const started = process.hrtime.bigint();
      const first = await csv(brand, id, `code\n${codes.join('\n')}\n`).expect(201);
      const firstMs = Number(process.hrtime.bigint() - started) / 1e6;
      expect(first.body).toEqual({ added: 100_000, duplicates: 0 });

      const overlap = [...codes.slice(50_000), ...Array.from({ length: 50_000 }, (_, i) => `NEW-${i}`)];
      const again = process.hrtime.bigint();
      const second = await csv(admin, id, overlap.join('\n')).expect(201);
      const secondMs = Number(process.hrtime.bigint() - again) / 1e6;
      expect(second.body).toEqual({ added: 50_000, duplicates: 50_000 });
      process.stdout.write(`100k-code CSV upload: ${firstMs.toFixed(0)} ms fresh, ${secondMs.toFixed(0)} ms with 50% duplicates\n`);

      expect(await inventory(id)).toEqual({ totalUnits: 100_000, claimedUnits: 0, availableUnits: 100_000, codesLoaded: 150_000, codesAssigned: 0 });
      // A big upload refreshes the pool's planner statistics (the fulfillers' code pick is planned from them).
      let analyzed = false;
      for (let waited = 0; waited < 10_000 && !analyzed; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        [{ analyzed }] = await t.dataSource.query(`SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'campaign_codes'`);
      }
      expect(analyzed).toBe(true);
      await markFunded(t.dataSource, id);
      await t.http.post(`/admin/campaigns/${id}/approve`).set('Authorization', admin.auth).expect(200);
      await t.http.post(`/campaigns/${id}/launch`).set('Authorization', brand.auth).expect(200);
    });

    it.each(['text/csv', 'application/json'])('rolls back a %s upload that would outlive the request timeout, so a 503 never hides a commit', async (type) => {
      const slow = await createCampaignTestApp({ env: { REQUEST_TIMEOUT_MS: '1500' } });
      try {
        const owner = await createBrand(slow.http, 'slow-brand');
        const { id } = await createCampaign(slow.http, owner, digital());
        const codes = Array.from({ length: type === 'text/csv' ? 300_000 : MAX_JSON_CODES }, (_, i) => `SLOW-${i}`);
        // The first code is being added by a transaction that does not end: however fast this
        // machine inserts codes, the upload waits on that one until its deadline.
        const blocker = slow.dataSource.createQueryRunner();
        await blocker.startTransaction();
        await blocker.query(`INSERT INTO campaign_codes (campaign_id, code) VALUES ($1, $2)`, [id, codes[0]]);
        const [{ holder }] = await blocker.query(`SELECT pg_backend_pid() AS holder`);
        const status = await slow.http
          .post(`/campaigns/${id}/codes`)
          .set('Authorization', owner.auth)
          .set('Content-Type', type)
          .send(type === 'text/csv' ? codes.join('\n') : JSON.stringify({ codes }))
          .then((res) => res.status, () => 'connection closed');
        expect([503, 408, 'connection closed']).toContain(status);
        // The upload's own transaction ends by its deadline, though the other one still holds the code
        // (it waited on it until that one ended, holding a connection and the campaign's upload lock).
        let open = -1;
        for (let waited = 0; waited < 3_000 && open !== 0; waited += 100) {
          [{ open }] = await slow.dataSource.query(
            `SELECT count(*)::int AS open FROM pg_stat_activity
             WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), $1) AND xact_start IS NOT NULL`,
            [holder],
          );
          if (open) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await blocker.rollbackTransaction();
        await blocker.release();
        expect(open).toBe(0);
        const [{ count }] = await slow.dataSource.query(`SELECT count(*)::int AS count FROM campaign_codes WHERE campaign_id = $1`, [id]);
        expect(count).toBe(0);
      } finally {
        await slow.close();
      }
    });

    it('serialises concurrent uploads of overlapping codes in opposite order: both 201, every code counted once', async () => {
      const codes = Array.from({ length: 3000 }, (_, i) => `J-${i}`);
      const reversed = [...codes].reverse();
      for (let round = 0; round < 5; round++) {
        const { id } = await createCampaign(t.http, brand, digital());
        // Both orders of JSON and CSV: each upload's chunks take the same unique keys the other one does, last first.
        const [a, b] =
          round % 2 === 0
            ? await Promise.all([json(brand, id, { codes }), json(admin, id, { codes: reversed })])
            : await Promise.all([csv(brand, id, codes.join('\n')), csv(admin, id, reversed.join('\n'))]);
        expect([a.status, b.status]).toEqual([201, 201]);
        expect(a.body.added + b.body.added).toBe(3000);
        expect(a.body.duplicates + b.body.duplicates).toBe(3000);
        expect((await inventory(id)).codesLoaded).toBe(3000);
      }
    });

    it('is for the owning brand or an admin: another brand 404, member 403, anonymous 401', async () => {
      const { id } = await createCampaign(t.http, brand, digital());
      await json(otherBrand, id, { codes: ['Z'] }).expect(404);
      await csv(otherBrand, id, 'Z').expect(404);
      await json(member, id, { codes: ['Z'] }).expect(403);
      await t.http.post(`/campaigns/${id}/codes`).send({ codes: ['Z'] }).expect(401);
      expect((await json(admin, id, { codes: ['Y'] }).expect(201)).body.added).toBe(1);
      expect(await poolOf(id)).toEqual(['Y']);
    });
  });

  describe('GET /campaigns/:id/inventory', () => {
    it('reports counts only, never a code', async () => {
      const { id } = await createCampaign(t.http, brand, digital(5));
      await json(brand, id, { codes: ['SECRET-1', 'SECRET-2', 'SECRET-3'] }).expect(201);
      await t.dataSource.query(`UPDATE campaign_codes SET claim_id = gen_random_uuid(), assigned_at = now() WHERE campaign_id = $1 AND code = 'SECRET-1'`, [id]);
      await t.dataSource.query(`UPDATE campaigns SET claimed_units = 2 WHERE id = $1`, [id]);
      const body = await inventory(id);
      expect(body).toEqual({ totalUnits: 5, claimedUnits: 2, availableUnits: 3, codesLoaded: 3, codesAssigned: 1 });
      const everything = JSON.stringify([body, (await t.http.get(`/campaigns/${id}`).set('Authorization', brand.auth)).body]);
      expect(everything).not.toContain('SECRET');
      expect(await inventory(id, admin)).toEqual(body);
      await t.http.get(`/campaigns/${id}/inventory`).set('Authorization', otherBrand.auth).expect(404);
      await t.http.get(`/campaigns/${id}/inventory`).set('Authorization', member.auth).expect(403);
    });
  });

  describe('admin inventory adjustments', () => {
    const adjust = (actor: Actor, id: string, body: object) =>
      t.http.post(`/admin/campaigns/${id}/inventory-adjustments`).set('Authorization', actor.auth).send(body);

    it('moves the total, records who/when/why, and lists the trail oldest first with paging', async () => {
      const { id } = await createCampaign(t.http, brand, { totalUnits: 100 });
      const first = await adjust(admin, id, { delta: 20, reason: 'Extra stock' }).expect(201);
      expect(first.body).toEqual({
        id: expect.any(String),
        campaignId: id,
        adminId: admin.id,
        delta: 20,
        reason: 'Extra stock',
        totalUnitsBefore: 100,
        totalUnitsAfter: 120,
        createdAt: expect.any(String),
      });
      await adjust(secondAdmin, id, { delta: -50, reason: 'Damaged' }).expect(201);
      await adjust(admin, id, { delta: 5, reason: 'Found a box' }).expect(201);
      expect((await inventory(id)).totalUnits).toBe(75);

      const page1 = await t.http.get(`/admin/campaigns/${id}/inventory-adjustments`).query({ limit: 2 }).set('Authorization', admin.auth).expect(200);
      expect(page1.body.items.map((a: { delta: number; adminId: string }) => [a.delta, a.adminId])).toEqual([
        [20, admin.id],
        [-50, secondAdmin.id],
      ]);
      const page2 = await t.http
        .get(`/admin/campaigns/${id}/inventory-adjustments`)
        .query({ limit: 2, cursor: page1.body.nextCursor })
        .set('Authorization', admin.auth)
        .expect(200);
      expect(page2.body).toEqual({ items: [expect.objectContaining({ delta: 5, totalUnitsBefore: 70, totalUnitsAfter: 75 })], nextCursor: null });
    });

    it('never goes below the claimed units: 409 INVENTORY_BELOW_CLAIMED, nothing recorded', async () => {
      const { id } = await createCampaign(t.http, brand, { totalUnits: 10 });
      await t.dataSource.query(`UPDATE campaigns SET claimed_units = 8 WHERE id = $1`, [id]);
      const res = await adjust(admin, id, { delta: -3, reason: 'Too many' }).expect(409);
      expect(res.body).toMatchObject({ code: 'INVENTORY_BELOW_CLAIMED', details: { claimedUnits: 8, requestedTotalUnits: 7 } });
      expect((await adjust(admin, id, { delta: -2, reason: 'Exactly claimed' }).expect(201)).body.totalUnitsAfter).toBe(8);
      const trail = await t.http.get(`/admin/campaigns/${id}/inventory-adjustments`).set('Authorization', admin.auth).expect(200);
      expect(trail.body.items).toHaveLength(1);
    });

    it('never leaves a campaign without units: 400 VALIDATION_FAILED naming delta', async () => {
      const { id } = await createCampaign(t.http, brand, { totalUnits: 3 });
      const res = await adjust(admin, id, { delta: -3, reason: 'none left' }).expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'delta' })] });
      expect((await adjust(admin, id, { delta: -2, reason: 'one left' }).expect(201)).body.totalUnitsAfter).toBe(1);
    });

    it('keeps a code for every unit of a live digital-code campaign: 409 INSUFFICIENT_CODES', async () => {
      const { id } = await createCampaign(t.http, brand, digital(2));
      await json(brand, id, { codes: ['K1', 'K2', 'K3'] }).expect(201);
      await markFunded(t.dataSource, id);
      await t.http.post(`/admin/campaigns/${id}/approve`).set('Authorization', admin.auth).expect(200);
      await t.http.post(`/campaigns/${id}/launch`).set('Authorization', brand.auth).expect(200);
      expect((await adjust(admin, id, { delta: 1, reason: 'one more' }).expect(201)).body.totalUnitsAfter).toBe(3);
      const res = await adjust(admin, id, { delta: 1, reason: 'no code for it' }).expect(409);
      expect(res.body).toMatchObject({ code: 'INSUFFICIENT_CODES', details: { required: 4, loaded: 3 } });
      await json(brand, id, { codes: ['K4'] }).expect(201);
      await adjust(admin, id, { delta: 1, reason: 'code arrived' }).expect(201);
      expect((await adjust(admin, id, { delta: -2, reason: 'cut' }).expect(201)).body.totalUnitsAfter).toBe(2);
    });

    it.each([
      [{ delta: 0, reason: 'x' }, 'delta'],
      [{ delta: 1.5, reason: 'x' }, 'delta'],
      [{ delta: '5', reason: 'x' }, 'delta'],
      [{ reason: 'x' }, 'delta'],
      [{ delta: 1 }, 'reason'],
      [{ delta: 1, reason: '   ' }, 'reason'],
      [{ delta: 1, reason: 'x', adminId: 'y' }, 'adminId'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const { id } = await createCampaign(t.http, brand);
      const res = await adjust(admin, id, body).expect(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('is admin only (403 for brands and members, 401 anonymous), 404 for unknown campaigns', async () => {
      const { id } = await createCampaign(t.http, brand);
      await adjust(brand, id, { delta: 1, reason: 'x' }).expect(403);
      await adjust(member, id, { delta: 1, reason: 'x' }).expect(403);
      await t.http.post(`/admin/campaigns/${id}/inventory-adjustments`).send({ delta: 1, reason: 'x' }).expect(401);
      await t.http.get(`/admin/campaigns/${id}/inventory-adjustments`).set('Authorization', brand.auth).expect(403);
      await adjust(admin, '00000000-0000-0000-0000-000000000000', { delta: 1, reason: 'x' }).expect(404);
      await t.http.get('/admin/campaigns/nope/inventory-adjustments').set('Authorization', admin.auth).expect(404);
    });

    it('refuses adjustments of an ended campaign', async () => {
      const { id } = await createCampaign(t.http, brand);
      await t.http.post(`/campaigns/${id}/end`).set('Authorization', brand.auth).expect(200);
      expect((await adjust(admin, id, { delta: 1, reason: 'late' }).expect(409)).body.code).toBe('INVALID_TRANSITION');
    });

    it('with an Idempotency-Key a retry is answered with the adjustment made, never applied twice, also when sent at once', async () => {
      const { id } = await createCampaign(t.http, brand, { totalUnits: 100 });
      const keyed = (actor: Actor, key: string, body: object) =>
        t.http.post(`/admin/campaigns/${id}/inventory-adjustments`).set('Authorization', actor.auth).set('Idempotency-Key', key).send(body);
      const first = await keyed(admin, 'adjust-1', { delta: -3, reason: 'Damaged ' }).expect(201);
      const retry = await keyed(admin, 'adjust-1', { delta: -3, reason: 'Damaged' }).expect(201);
      expect(retry.body).toEqual(first.body);
      // Five at once with a new key: one adjustment, five identical answers.
      const burst = await Promise.all([0, 1, 2, 3, 4].map(() => keyed(admin, 'adjust-2', { delta: 10, reason: 'Restock' })));
      expect(burst.map((res) => res.status)).toEqual([201, 201, 201, 201, 201]);
      expect(new Set(burst.map((res) => res.body.id)).size).toBe(1);
      expect((await inventory(id)).totalUnits).toBe(107);
      // The key used for another change, a malformed key; another admin's key is their own.
      expect((await keyed(admin, 'adjust-1', { delta: -4, reason: 'Damaged' }).expect(422)).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect((await keyed(admin, 'with space', { delta: 1, reason: 'x' }).expect(400)).body.details).toEqual([{ field: 'Idempotency-Key', errors: [expect.any(String)] }]);
      await keyed(secondAdmin, 'adjust-1', { delta: -3, reason: 'Damaged' }).expect(201);
      expect((await inventory(id)).totalUnits).toBe(104);
      const trail = await t.http.get(`/admin/campaigns/${id}/inventory-adjustments`).set('Authorization', admin.auth).expect(200);
      expect(trail.body.items.map((a: { delta: number }) => a.delta)).toEqual([-3, 10, -3]);
    });

    it('two admins adjusting at once leave a consistent total and two chained audit rows', async () => {
      for (let round = 0; round < 10; round++) {
        const { id } = await createCampaign(t.http, brand, { totalUnits: 100 });
        const [a, b] = await Promise.all([adjust(admin, id, { delta: 7, reason: 'A' }), adjust(secondAdmin, id, { delta: -3, reason: 'B' })]);
        expect([a.status, b.status]).toEqual([201, 201]);
        expect((await inventory(id)).totalUnits).toBe(104);
        const rows = await t.dataSource.query(
          `SELECT admin_id, delta, total_units_before AS before, total_units_after AS after FROM inventory_adjustments WHERE campaign_id = $1 ORDER BY total_units_before = 100 DESC`,
          [id],
        );
        expect(rows).toHaveLength(2);
        expect(rows[0].before).toBe(100);
        expect(rows[1].before).toBe(rows[0].after);
        expect(rows[1].after).toBe(104);
        expect(new Set(rows.map((r: { admin_id: string }) => r.admin_id))).toEqual(new Set([admin.id, secondAdmin.id]));
      }
    });

    it('lists adjustments in the order they were applied, also when the later one began its transaction first', async () => {
      const { id } = await createCampaign(t.http, brand, { totalUnits: 100 });
      const early = t.dataSource.createQueryRunner();
      await early.connect();
      await early.startTransaction();
      try {
        await early.query(`SELECT 1`); // its transaction, and now(), begin here
        await adjust(admin, id, { delta: 5, reason: 'applied first' }).expect(201);
        // As the service does: the campaign row lock, then the new total and its trail row.
        await early.query(`SELECT total_units FROM campaigns WHERE id = $1 FOR UPDATE`, [id]);
        await early.query(`UPDATE campaigns SET total_units = 102 WHERE id = $1`, [id]);
        await early.query(
          `INSERT INTO inventory_adjustments (campaign_id, admin_id, delta, reason, total_units_before, total_units_after)
           VALUES ($1, $2, -3, 'applied second', 105, 102)`,
          [id, secondAdmin.id],
        );
        await early.commitTransaction();
      } finally {
        await early.release();
      }
      const listed = await t.http.get(`/admin/campaigns/${id}/inventory-adjustments`).set('Authorization', admin.auth).expect(200);
      // Stamped at the transaction's start, the second one was listed first: 105 → 102 before 100 → 105.
      expect(listed.body.items.map((r: { totalUnitsBefore: number; totalUnitsAfter: number }) => [r.totalUnitsBefore, r.totalUnitsAfter])).toEqual([
        [100, 105],
        [105, 102],
      ]);
    });

    it('two admins racing to cut stock cannot both pass the claimed-units check', async () => {
      const { id } = await createCampaign(t.http, brand, { totalUnits: 100 });
      await t.dataSource.query(`UPDATE campaigns SET claimed_units = 95 WHERE id = $1`, [id]);
      const results = await Promise.all([adjust(admin, id, { delta: -4, reason: 'A' }), adjust(secondAdmin, id, { delta: -4, reason: 'B' })]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect((await inventory(id)).totalUnits).toBe(96);
    });
  });
});

describe('code uploads from a sender that stalls (e2e)', () => {
  let t: TestApp;
  let brand: Actor;

  beforeAll(async () => {
    // A pool of 8: two CSV uploads stream at a time.
    t = await createCampaignTestApp({ env: { REQUEST_TIMEOUT_MS: '3000', DATABASE_POOL_SIZE: '8' } });
    brand = await createBrand(t.http, 'stall-brand');
    const server = t.app.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => t.close());

  const heldLocks = async (): Promise<number> =>
    (await t.dataSource.query(`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()`))[0].n;

  it('rolls the upload back at its deadline and frees the campaign for the next one, though the body never ends', async () => {
    const { id } = await createCampaign(t.http, brand, digital());
    const [second, other] = await Promise.all([createCampaign(t.http, brand, digital()), createCampaign(t.http, brand, digital())]);
    const { port } = (t.app.getHttpServer() as Server).address() as AddressInfo;
    const stall = (campaignId: string) => {
      const stalled = request({ port, host: '127.0.0.1', method: 'POST', path: `/campaigns/${campaignId}/codes`, headers: { Authorization: brand.auth, 'Content-Type': 'text/csv' } });
      stalled.on('error', () => undefined);
      const answered = new Promise<number>((resolve) => stalled.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0))));
      stalled.write('STALL-1\n'); // chunked, and never ended
      return { stalled, answered };
    };
    const stalls = [stall(id), stall(second.id)];
    while ((await heldLocks()) < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    // Meanwhile no third CSV may stream (it would hold another connection as long); JSON still goes in.
    const busy = await t.http.post(`/campaigns/${other.id}/codes`).set('Authorization', brand.auth).set('Content-Type', 'text/csv').send('BUSY-1\n').expect(503);
    expect(busy.body.message).toContain('Too many code uploads');
    await t.http.post(`/campaigns/${other.id}/codes`).set('Authorization', brand.auth).send({ codes: ['JSON-1'] }).expect(201);
    expect(await Promise.all(stalls.map((s) => s.answered))).toEqual([503, 503]);
    expect(await heldLocks()).toBe(0);
    const next = await t.http.post(`/campaigns/${id}/codes`).set('Authorization', brand.auth).set('Content-Type', 'text/csv').send('NEXT-1\n').expect(201);
    expect(next.body).toEqual({ added: 1, duplicates: 0 });
    stalls.forEach((s) => s.stalled.destroy());
  });

  it('waits for another upload to the campaign until its own deadline at most: 503, nothing added', async () => {
    const { id } = await createCampaign(t.http, brand, digital());
    const runner = t.dataSource.createQueryRunner();
    await runner.startTransaction();
    await runner.query(`SELECT pg_advisory_xact_lock(hashtext('campaign_codes'), hashtext($1))`, [id]);
    try {
      const refused = await t.http.post(`/campaigns/${id}/codes`).set('Authorization', brand.auth).send({ codes: ['WAIT-1'] }).expect(503);
      expect(refused.body.message).toContain('Another upload');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect((await t.http.get(`/campaigns/${id}/inventory`).set('Authorization', brand.auth).expect(200)).body.codesLoaded).toBe(0);
  });
});
