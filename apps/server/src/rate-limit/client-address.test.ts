import { describe, expect, it } from 'vitest';
import { clientBucketKey } from './client-address';

describe('clientBucketKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2:ffff::9', '2001:db8:1:2::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::ffff:198.51.100.4', '198.51.100.4'],
    ['::ffff:c633:6404', '198.51.100.4'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('issue 9 review: %s counts as %s', (ip, key) => {
    expect(clientBucketKey(ip)).toBe(key);
  });

  it('issue 9 review: two addresses of one /64 share a bucket; another /64 does not', () => {
    expect(clientBucketKey('2001:db8:5:6::a')).toBe(clientBucketKey('2001:db8:5:6:1234:5678:9abc:def0'));
    expect(clientBucketKey('2001:db8:5:7::a')).not.toBe(clientBucketKey('2001:db8:5:6::a'));
  });
});
