import TestAgent from 'supertest/lib/agent';

/**
 * Walks a list endpoint page by page (`limit` items a page, following `nextCursor`) as `auth` and
 * returns `key` of every item in the order served: a test of keyset paging then checks that none
 * was skipped or repeated.
 */
export async function walkPages(http: TestAgent, path: string, auth: string, key: string, limit = 2): Promise<string[]> {
  const seen: string[] = [];
  const separator = path.includes('?') ? '&' : '?';
  for (let cursor: string | null = null; ; ) {
    const page: { body: { items: Record<string, string>[]; nextCursor: string | null } } = await http.get(`${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`).set('Authorization', auth).expect(200);
    seen.push(...page.body.items.map((item) => item[key]));
    cursor = page.body.nextCursor;
    if (!cursor) return seen;
  }
}
