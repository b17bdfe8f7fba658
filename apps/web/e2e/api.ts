/** Plain HTTP calls for what no persona clicks: the score provider's batch and background setup. */
export class Api {
  constructor(readonly baseUrl: string) {}

  async call<T>(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string>; expect?: number } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await response.text();
    const expected = options.expect ?? (method === 'POST' ? [200, 201, 202] : [200]);
    if (!(Array.isArray(expected) ? expected : [expected]).includes(response.status)) {
      throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async login(email: string, password: string): Promise<string> {
    return (await this.call<{ accessToken: string }>('POST', '/auth/login', { body: { email, password } })).accessToken;
  }

  async waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const value = await probe();
        if (value !== undefined) return value;
      } catch (error) {
        last = error;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`timed out waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
  }

  /** A member registered, profiled (opted in) and scored through the API, as a background crowd. */
  async scoredMember(email: string, password: string, providerKey: string, score: number): Promise<{ id: string; token: string }> {
    const { id } = await this.call<{ id: string }>('POST', '/auth/register', { body: { email, password, displayName: email.split('@')[0] } });
    const token = await this.login(email, password);
    await this.call('PUT', '/me/profile', { token, body: { country: 'CA', birthDate: '1988-02-03', optedIn: true } });
    await this.call('POST', '/scores/batch', {
      headers: { 'X-Provider-Key': providerKey },
      body: { scoredAt: new Date().toISOString(), scores: [{ memberId: id, score, topics: [] }] },
    });
    return { id, token };
  }

  /**
   * A brand's campaign taken live through the public API: created, paid on the fake Stripe
   * checkout, approved by the admin and launched.
   */
  async liveCampaign(brandToken: string, adminToken: string, body: Record<string, unknown>, codes?: string[]): Promise<{ id: string }> {
    const campaign = await this.call<{ id: string; status: string }>('POST', '/campaigns', { token: brandToken, body });
    if (codes) await this.call('POST', `/campaigns/${campaign.id}/codes`, { token: brandToken, body: { codes } });
    const funding = await this.call<{ checkoutUrl: string; stripeCheckoutSessionId: string }>('POST', `/campaigns/${campaign.id}/funding`, { token: brandToken });
    const pay = await fetch(new URL(`/checkout/${funding.stripeCheckoutSessionId}/pay`, funding.checkoutUrl), { method: 'POST', redirect: 'manual' });
    if (pay.status >= 400) throw new Error(`fake Stripe refused the payment: ${pay.status}`);
    await this.waitFor('the campaign to be funded', async () => {
      const current = await this.call<{ status: string }>('GET', `/campaigns/${campaign.id}`, { token: brandToken });
      return current.status === 'funded' ? true : undefined;
    });
    await this.call('POST', `/admin/campaigns/${campaign.id}/approve`, { token: adminToken });
    await this.call('POST', `/campaigns/${campaign.id}/launch`, { token: brandToken });
    return campaign;
  }
}
