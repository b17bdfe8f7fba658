import { ConfigValidationError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies defaults for local use', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/perks');
    expect(config.platformFeeBps).toBe(1000);
    expect(config.scoreProviders.byName.get('klout')).toBe('dev-klout-key');
  });

  it('parses provider keys both ways', () => {
    const config = loadConfig({ SCORE_PROVIDER_KEYS: 'klout:k1,peerindex:k2' });
    expect(config.scoreProviders.byKey.get('k2')).toBe('peerindex');
    expect([...config.scoreProviders.byName.keys()]).toEqual(['klout', 'peerindex']);
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ PORT: 'abc', PLATFORM_FEE_BPS: '-1' })).toThrow(ConfigValidationError);
    try {
      loadConfig({ PORT: 'abc', PLATFORM_FEE_BPS: '-1', SCORE_PROVIDER_KEYS: 'nokey' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('PLATFORM_FEE_BPS');
      expect(message).toContain('SCORE_PROVIDER_KEYS');
    }
  });

  it('parses the security settings: rate limits, CORS origins, proxies', () => {
    const defaults = loadConfig({});
    expect(defaults.rateLimit).toEqual({
      windowSeconds: 60,
      ip: 12000,
      account: 3000,
      login: 10,
      loginAccount: 100,
      loginIp: 600,
      register: 600,
      claim: 600,
      exemptIps: ['127.0.0.1', '::1'],
    });
    expect(defaults.corsAllowedOrigins).toEqual([]);
    expect(defaults.trustProxy).toBe(false);
    const set = loadConfig({ RATE_LIMIT_LOGIN: '0', CORS_ALLOWED_ORIGINS: 'https://a.example,https://b.example', TRUST_PROXY: '2' });
    expect(set.rateLimit.login).toBe(0);
    expect(loadConfig({ RATE_LIMIT_EXEMPT_IPS: '' }).rateLimit.exemptIps).toEqual([]);
    expect(loadConfig({ RATE_LIMIT_EXEMPT_IPS: '10.0.0.7,fd00::1' }).rateLimit.exemptIps).toEqual(['10.0.0.7', 'fd00::1']);
    expect(() => loadConfig({ RATE_LIMIT_EXEMPT_IPS: '10.0.0.0/8 ' })).toThrow(/RATE_LIMIT_EXEMPT_IPS/);
    expect(set.corsAllowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(set.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback,10.0.0.0/8' }).trustProxy).toBe('loopback,10.0.0.0/8');
    expect(() => loadConfig({ CORS_ALLOWED_ORIGINS: '*' })).toThrow(/CORS_ALLOWED_ORIGINS/);
    expect(() => loadConfig({ RATE_LIMIT_IP: '-1' })).toThrow(/RATE_LIMIT_IP/);
    expect(() => loadConfig({ TRUST_PROXY: 'everyone; rm -rf' })).toThrow(/TRUST_PROXY/);
  });

  it('rejects a short JWT secret', () => {
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
  });

  it('takes an empty variable as unset (its default), except where empty means none', () => {
    const config = loadConfig({ PORT: '', REQUEST_TIMEOUT_MS: '', JWT_TTL_SECONDS: '', PLATFORM_FEE_BPS: '', CLAIM_GATE_ENABLED: '', DATABASE_URL: '' });
    expect(config).toMatchObject({ port: 3000, requestTimeoutMs: 30000, jwt: { ttlSeconds: 3600 }, platformFeeBps: 1000, claimGateEnabled: true });
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/perks');
    expect(loadConfig({ RATE_LIMIT_EXEMPT_IPS: '', STRIPE_SECRET_KEY: '' }).rateLimit.exemptIps).toEqual([]);
    // Spaces only, as an .env line may leave them, are blank too (Number(' ') is 0: no port, no limit, no fee).
    expect(loadConfig({ PORT: ' ', RATE_LIMIT_LOGIN: '  ', PLATFORM_FEE_BPS: '\t' })).toMatchObject({ port: 3000, rateLimit: { login: 10 }, platformFeeBps: 1000 });
  });

  it('reads booleans from the usual words and refuses any other', () => {
    expect(loadConfig({ CLAIM_GATE_ENABLED: 'off', LOG_PRETTY: 'YES' })).toMatchObject({ claimGateEnabled: false, log: { pretty: true } });
    expect(loadConfig({ CLAIM_GATE_ENABLED: '0' }).claimGateEnabled).toBe(false);
    expect(() => loadConfig({ CLAIM_GATE_ENABLED: 'flase' })).toThrow(/CLAIM_GATE_ENABLED="flase"/);
    expect(() => loadConfig({ LOG_PRETTY: 'maybe' })).toThrow(/LOG_PRETTY/);
  });

  it('refuses provider keys that would mix providers up', () => {
    expect(() => loadConfig({ SCORE_PROVIDER_KEYS: 'klout:shared,peerindex:shared' })).toThrow(/SCORE_PROVIDER_KEYS.*share a key/);
    expect(() => loadConfig({ SCORE_PROVIDER_KEYS: 'klout:k1,klout:k2' })).toThrow(/SCORE_PROVIDER_KEYS.*named twice/);
  });

  it('refuses a Stripe key without the webhook secret that verifies its events', () => {
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_live_x' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: '' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' }).stripe.webhookSecret).toBe('whsec_x');
  });

  it('refuses the webhook shipping provider without its URL and secret, in every service', () => {
    expect(() => loadConfig({ SHIPPING_PROVIDER: 'webhook', SHIPPING_WEBHOOK_SECRET: 's' })).toThrow(/SHIPPING_WEBHOOK_URL/);
    expect(() => loadConfig({ SHIPPING_PROVIDER: 'webhook', SHIPPING_WEBHOOK_URL: 'http://carrier.test/shipments' })).toThrow(/SHIPPING_WEBHOOK_SECRET/);
    const config = loadConfig({ SHIPPING_PROVIDER: 'webhook', SHIPPING_WEBHOOK_URL: 'http://carrier.test/shipments', SHIPPING_WEBHOOK_SECRET: 's' });
    expect(config.shipping).toEqual({ provider: 'webhook', webhookUrl: 'http://carrier.test/shipments', webhookSecret: 's' });
  });

  it('names a proxy list Express cannot read', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'cafe' })).toThrow(/TRUST_PROXY="cafe": invalid IP address/);
  });

  it('takes connection URLs as the drivers do: underscores in host names, PostgreSQL socket directories', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@pg_primary:5432/db', REDIS_URL: 'redis://redis_cache:6379' }).redisUrl).toBe('redis://redis_cache:6379');
    expect(loadConfig({ DATABASE_URL: 'postgresql:///perks?host=/var/run/postgresql' }).databaseUrl).toBe('postgresql:///perks?host=/var/run/postgresql');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x/y' })).toThrow(/DATABASE_URL/);
  });

  it('shows what was typed, but never a secret or a password', () => {
    const message = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected a configuration error');
    };
    expect(message({ PORT: 'abc' })).toContain('PORT="abc"');
    const secrets = message({ JWT_SECRET: 'shortsecret', ADMIN_PASSWORD: 'short', DATABASE_URL: 'postgres://u:supersecret@db internal/x' });
    expect(secrets).toContain('JWT_SECRET=(hidden, 11 characters)');
    expect(secrets).toContain('ADMIN_PASSWORD=(hidden, 5 characters)');
    expect(secrets).toContain('DATABASE_URL="postgres://u:***@db internal/x"');
    expect(secrets).not.toMatch(/shortsecret|supersecret/);
    // A password holding an @, or passed as a parameter, is hidden whole.
    expect(message({ DATABASE_URL: 'postgres://u:p@ss@w0rd@db internal/x' })).toContain('DATABASE_URL="postgres://u:***@db internal/x"');
    expect(message({ DATABASE_URL: 'postgres://db internal/x?user=u&password=hunter22' })).toContain('password=***"');
  });
});
