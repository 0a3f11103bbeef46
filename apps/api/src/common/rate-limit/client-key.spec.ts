import { clientKey } from './client-key';

describe('clientKey', () => {
  it.each([
    ['an IPv4 address, as it is', '203.0.113.7', '203.0.113.7'],
    ['an IPv4-mapped IPv6 address, as its IPv4 address', '::ffff:203.0.113.7', '203.0.113.7'],
    ['an IPv6 address, as its /64', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['a compressed IPv6 address, as its /64', '2001:db8::1', '2001:db8:0:0::/64'],
    ['leading zeros, dropped', '2001:0db8:0001:0002::1', '2001:db8:1:2::/64'],
    ['the IPv6 loopback', '::1', '0:0:0:0::/64'],
    ['a zone, dropped', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('keys %s', (_, ip, key) => {
    expect(clientKey(ip)).toBe(key);
  });

  it('gives two addresses of one /64 the same key, and of two /64s two keys', () => {
    expect(clientKey('2001:db8:1:2::a')).toBe(clientKey('2001:db8:1:2:ffff::b'));
    expect(clientKey('2001:db8:1:2::a')).not.toBe(clientKey('2001:db8:1:3::a'));
  });
});
