import { randomUUID } from 'node:crypto';
import { createBrand, createMember, loginAdmin, TestApp, walkPages } from '@app/testing';
import { recordAudit } from '@app/platform';
import { createCampaignServiceApp } from '../app';

describe('audit log (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createCampaignServiceApp();
  });
  afterAll(() => t.close());

  it('records in the caller transaction: a rolled-back action leaves no audit row', async () => {
    const entityId = randomUUID();
    await expect(
      t.dataSource.transaction(async (manager) => {
        await recordAudit(manager, { actorId: null, action: 'test.rollback', entityType: 'test', entityId });
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1`, [entityId]);
    expect(n).toBe(0);
  });

  it('lets admins page through it newest first, with filters; nobody else may read it', async () => {
    const admin = await loginAdmin(t.http);
    const entityId = randomUUID();
    for (let i = 0; i < 5; i++) {
      await t.dataSource.transaction((manager) =>
        recordAudit(manager, { actorId: admin.id, action: 'campaign.adjust', entityType: 'campaign', entityId, before: { totalUnits: i }, after: { totalUnits: i + 1 } }),
      );
      // Entries are stamped at millisecond precision (the cursor's); within one millisecond the order is by id.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const first = await t.http.get(`/admin/audit-log?entityId=${entityId}&limit=2`).set('Authorization', admin.auth).expect(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0]).toEqual({
      id: expect.any(String),
      actorId: admin.id,
      action: 'campaign.adjust',
      entityType: 'campaign',
      entityId,
      before: { totalUnits: 4 },
      after: { totalUnits: 5 },
      createdAt: expect.any(String),
    });
    const seen = [...first.body.items];
    let cursor = first.body.nextCursor as string | null;
    while (cursor) {
      const page = await t.http.get(`/admin/audit-log?entityId=${entityId}&limit=2&cursor=${cursor}`).set('Authorization', admin.auth).expect(200);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    }
    expect(seen.map((e) => e.after.totalUnits)).toEqual([5, 4, 3, 2, 1]);

    const byActor = await t.http.get(`/admin/audit-log?actorId=${admin.id}&action=campaign.adjust&limit=100`).set('Authorization', admin.auth).expect(200);
    expect(byActor.body.items.length).toBeGreaterThanOrEqual(5);

    const member = await createMember(t.http);
    const brand = await createBrand(t.http);
    expect((await t.http.get('/admin/audit-log').set('Authorization', member.auth).expect(403)).body.code).toBe('FORBIDDEN');
    await t.http.get('/admin/audit-log').set('Authorization', brand.auth).expect(403);
    await t.http.get('/admin/audit-log').expect(401);
  });

  it('refuses bad paging input with 400', async () => {
    const admin = await loginAdmin(t.http);
    for (const query of ['limit=101', 'limit=0', 'limit=abc', 'cursor=garbage', 'actorId=not-a-uuid', 'entityType=DROP%20TABLE']) {
      const res = await t.http.get(`/admin/audit-log?${query}`).set('Authorization', admin.auth).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
  });

  it('is append-only in the database itself: UPDATE, DELETE and TRUNCATE are refused', async () => {
    await t.dataSource.transaction((manager) => recordAudit(manager, { actorId: null, action: 'test.append', entityType: 'test', entityId: 'x' }));
    await expect(t.dataSource.query(`UPDATE audit_log SET action = 'forged'`)).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'test.append'`);
    expect(n).toBe(1);
  });

  it('filters by actor, entity type, entity id and action, each on its own', async () => {
    const [actorA, actorB, entityX, entityY] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const rows: [string, string, string, string][] = [
      [actorA, 'campaign.pause', 'campaign', entityX],
      [actorA, 'campaign.resume', 'campaign', entityY],
      [actorB, 'campaign.pause', 'claim', entityX],
    ];
    for (const [actorId, action, entityType, entityId] of rows) {
      await t.dataSource.transaction((manager) => recordAudit(manager, { actorId, action, entityType, entityId }));
    }
    const admin = await loginAdmin(t.http);
    const list = async (query: string) =>
      ((await t.http.get(`/admin/audit-log?${query}&limit=100`).set('Authorization', admin.auth).expect(200)).body.items as { actorId: string; action: string; entityType: string; entityId: string }[])
        .filter((e) => ([actorA, actorB] as string[]).includes(e.actorId))
        .map((e) => `${e.actorId === actorA ? 'A' : 'B'} ${e.action} ${e.entityType} ${e.entityId === entityX ? 'X' : 'Y'}`)
        .sort();
    expect(await list(`actorId=${actorA}`)).toEqual(['A campaign.pause campaign X', 'A campaign.resume campaign Y']);
    expect(await list(`entityId=${entityX}`)).toEqual(['A campaign.pause campaign X', 'B campaign.pause claim X']);
    expect(await list(`actorId=${actorB}&entityType=claim`)).toEqual(['B campaign.pause claim X']);
    expect(await list(`actorId=${actorA}&action=campaign.resume`)).toEqual(['A campaign.resume campaign Y']);
    expect(await list(`actorId=${actorA}&entityType=claim`)).toEqual([]);
  });

  it('pages entries stamped in the same millisecond by id, none skipped or repeated', async () => {
    const admin = await loginAdmin(t.http);
    const entityId = randomUUID();
    const ids: string[] = (
      await t.dataSource.query(
        `INSERT INTO audit_log (id, actor_id, action, entity_type, entity_id, created_at)
         SELECT id, $1, 'campaign.adjust', 'campaign', $2, date_trunc('milliseconds', now())
         FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 5)) g ORDER BY id
         RETURNING id`,
        [admin.id, entityId],
      )
    ).map((r: { id: string }) => r.id);
    expect(await walkPages(t.http, `/admin/audit-log?entityId=${entityId}`, admin.auth, 'id')).toEqual([...ids].sort().reverse());
  });
});
