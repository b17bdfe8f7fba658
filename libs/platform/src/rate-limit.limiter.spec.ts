import { ipTracker, loginSubject, loginTracker } from './rate-limit.limiter';

describe('rate-limit trackers', () => {
  it('exempts the addresses of RATE_LIMIT_EXEMPT_IPS however they are written: IPv4-mapped, IPv6 (its /64)', () => {
    const exempt = ['127.0.0.1', '::1', '2001:db8::5', '::ffff:203.0.113.7'];
    for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '::1', '2001:db8::5', '2001:db8::9', '203.0.113.7', '::ffff:203.0.113.7']) {
      expect([address, ipTracker(address, exempt)]).toEqual([address, '']);
    }
    for (const address of ['127.0.0.2', '2001:db8:0:1::5', '203.0.113.8']) expect(ipTracker(address, exempt)).not.toBe('');
    // One client, one tracker, whichever way its address is written.
    expect(ipTracker('::ffff:198.51.100.7', [])).toBe(ipTracker('198.51.100.7', []));
  });

  it("keeps a login's email and a signed-in account apart, and hides both", () => {
    const id = '0196a4d2-0000-7000-8000-000000000001';
    expect(loginTracker(loginSubject({ email: id }))).not.toBe(loginTracker(loginSubject({ accountId: id })));
    expect(loginSubject({ email: ' Ada@Example.COM ' })).toBe(loginSubject({ email: 'ada@example.com' }));
    expect(loginTracker(loginSubject({ email: 'ada@example.com' }), '127.0.0.5')).not.toContain('ada');
  });
});
