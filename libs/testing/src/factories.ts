import TestAgent from 'supertest/lib/agent';
import { randomUUID } from 'node:crypto';

export const TEST_PASSWORD = 'correct-horse-battery';

export interface Actor {
  id: string;
  email: string;
  token: string;
  brandId: string | null;
  /** `Authorization` header value */
  auth: string;
}

const uniqueEmail = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}@test.local`;

export async function login(http: TestAgent, email: string, password = TEST_PASSWORD): Promise<string> {
  const res = await http.post('/auth/login').send({ email, password }).expect(200);
  return res.body.accessToken as string;
}

/** Registers a member through the API and logs them in. */
export async function createMember(http: TestAgent, name = 'member'): Promise<Actor> {
  const email = uniqueEmail(name);
  const res = await http.post('/auth/register').send({ email, password: TEST_PASSWORD, displayName: name }).expect(201);
  const token = await login(http, email);
  return { id: res.body.id, email, token, brandId: null, auth: `Bearer ${token}` };
}

/** Registers a brand through the API and logs its user in. */
export async function createBrand(http: TestAgent, name = 'brand'): Promise<Actor> {
  const email = uniqueEmail(name);
  const res = await http.post('/brands/register').send({ brandName: name, email, password: TEST_PASSWORD }).expect(201);
  const token = await login(http, email);
  return { id: res.body.userId, email, token, brandId: res.body.brandId, auth: `Bearer ${token}` };
}

/** The admin bootstrapped from ADMIN_EMAIL / ADMIN_PASSWORD by the test environment. */
export async function loginAdmin(http: TestAgent): Promise<Actor> {
  const email = process.env.ADMIN_EMAIL ?? 'admin@test.local';
  const token = await login(http, email, process.env.ADMIN_PASSWORD);
  const me = await http.get('/me').set('Authorization', `Bearer ${token}`).expect(200);
  return { id: me.body.id, email, token, brandId: null, auth: `Bearer ${token}` };
}
