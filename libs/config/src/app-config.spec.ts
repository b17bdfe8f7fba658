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

  it('rejects a short JWT secret', () => {
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
  });
});
