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
});
