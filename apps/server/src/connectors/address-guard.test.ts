import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StepError } from '../engine/errors';
import { AddressGuard } from './address-guard';
import type { HostResolver } from './ports';
import { specialPurposeRange } from './special-addresses';
import { callProvider } from './provider-http';

/** A local server that counts the connections and requests it sees: a refused call must reach it zero times. */
class CountingServer {
  connections = 0;
  requests = 0;
  private readonly server = http.createServer((req, res) => {
    this.requests++;
    req.resume();
    req.on('end', () => res.end(this.name));
  });
  constructor(private readonly name: string) {
    this.server.on('connection', () => this.connections++);
  }
  async listen(host: string, port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => this.server.once('error', reject).listen(port, host, () => resolve()));
    return (this.server.address() as AddressInfo).port;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// The forbidden local service on 127.0.0.1, and on 127.0.0.2 (same port) a stand-in for a
// public host: allow-listed by CIDR, so the rebinding tests need no internet.
const local = new CountingServer('local');
const stand = new CountingServer('public');
let port = 0;
beforeAll(async () => {
  port = await local.listen('127.0.0.1');
  await stand.listen('127.0.0.2', port);
});
afterAll(() => Promise.all([local.close(), stand.close()]));
beforeEach(() => {
  local.connections = local.requests = stand.connections = stand.requests = 0;
});

/** A resolver that gives the next scripted answer on every call (the last one repeats). */
function scripted(...answers: Array<string[] | Error>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
    if (answer instanceof Error) throw answer;
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

const get = (url: string, guard: AddressGuard) => callProvider('test: GET', url, { method: 'GET', signal: new AbortController().signal, guard });

async function refusal(url: string, guard: AddressGuard): Promise<StepError> {
  const error = await get(url, guard).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, url).toBeInstanceOf(StepError);
  return error as StepError;
}

describe('specialPurposeRange', () => {
  it.each([
    ['0.1.2.3', '0.0.0.0/8'],
    ['10.9.8.7', '10.0.0.0/8'],
    ['100.64.0.1', '100.64.0.0/10'],
    ['127.0.0.1', '127.0.0.0/8'],
    ['169.254.169.254', '169.254.0.0/16'],
    ['172.31.255.255', '172.16.0.0/12'],
    ['192.0.0.8', '192.0.0.0/24'],
    ['192.0.2.1', '192.0.2.0/24'],
    ['192.88.99.1', '192.88.99.0/24'],
    ['192.168.1.1', '192.168.0.0/16'],
    ['198.19.0.1', '198.18.0.0/15'],
    ['198.51.100.7', '198.51.100.0/24'],
    ['203.0.113.9', '203.0.113.0/24'],
    ['239.255.255.250', '224.0.0.0/4'],
    ['250.1.1.1', '240.0.0.0/4'],
    ['255.255.255.255', '240.0.0.0/4'],
    ['::', '::/128'],
    ['::1', '::1/128'],
    ['::ffff:7f00:1', '127.0.0.0/8'],
    ['::ffff:a9fe:a9fe', '169.254.0.0/16'],
    ['::ffff:10.0.0.1', '10.0.0.0/8'],
    ['::7f00:1', '::/96'],
    ['64:ff9b::7f00:1', '127.0.0.0/8'],
    ['64:ff9b::a9fe:a9fe', '169.254.0.0/16'],
    ['64:ff9b:1::8.8.8.8', '64:ff9b:1::/48'],
    ['2002:7f00:1::1', '2002::/16'],
    ['2002:808:808::1', '2002::/16'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', '2001::/23'],
    ['2001:db8::1', '2001:db8::/32'],
    ['100::1', '100::/64'],
    ['fd00::1', 'fc00::/7'],
    ['fe80::1', 'fe80::/10'],
    ['fec0::1', 'fec0::/10'],
    ['ff02::1', 'ff00::/8'],
    ['::ffff:0:7f00:1', '::/8'], // SIIT (RFC 6052's IPv4-translated form)
    ['::1:0:0:1', '::/8'],
  ])('issue 9 #1: %s is in %s', (address, range) => {
    expect(specialPurposeRange(address)).toBe(range);
  });

  it.each(['8.8.8.8', '93.184.215.14', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8'])(
    'issue 9 #1: %s is public',
    (address) => {
      expect(specialPurposeRange(address)).toBeUndefined();
    },
  );
});

describe('issue 9 #1: guarded calls reach only checked addresses', () => {
  it.each([
    ['IPv4-mapped IPv6', '[::ffff:127.0.0.1]'],
    ['IPv4-mapped IPv6, hex', '[::ffff:7f00:1]'],
    ['IPv4-mapped metadata address', '[::ffff:a9fe:a9fe]'],
    ['IPv4-compatible IPv6', '[::127.0.0.1]'],
    ['NAT64', '[64:ff9b::127.0.0.1]'],
    ['NAT64 local use', '[64:ff9b:1::7f00:1]'],
    ['6to4', '[2002:7f00:1::]'],
    ['Teredo', '[2001:0:4136:e378:8000:63bf:80ff:fffe]'],
    ['IPv6 loopback', '[::1]'],
    ['decimal IPv4', '2130706433'],
    ['octal IPv4', '0177.0.0.1'],
    ['hex IPv4', '0x7f.1'],
    ['short IPv4', '127.1'],
    ['a name resolving to loopback', 'localhost'],
  ])('issue 9 #1: %s (%s) is refused and never connected to', async (_, host) => {
    const error = await refusal(`http://${host}:${port}/x`, new AddressGuard([], 'test'));
    expect([error.errorClass, error.message]).toEqual(['permanent', expect.stringMatching(/^test: .+ (is|resolves to .+,) a private, loopback or reserved address \(.+\); allow it with HTTP_STEP_ALLOWED_HOSTS$/)]);
    expect(local.connections).toBe(0);
  });

  it('issue 9 #1: a name the resolver maps to loopback, to a mapped loopback, or to public and loopback at once is refused', async () => {
    for (const answer of [['127.0.0.1'], ['::ffff:127.0.0.1'], ['8.8.8.8', '127.0.0.1']]) {
      const error = await refusal(`http://internal.test:${port}/`, new AddressGuard([], 'test', scripted(answer)));
      expect([error.errorClass, error.message], answer.join()).toEqual(['permanent', expect.stringMatching(/^test: internal\.test resolves to (::ffff:)?127\.0\.0\.1, a private/)]);
    }
    expect(local.connections).toBe(0);
  });

  it('issue 9 #1: DNS rebinding (an allowed address first, loopback after) never reaches the local server', async () => {
    const resolver = scripted(['127.0.0.2'], ['127.0.0.1']);
    const guard = new AddressGuard(['127.0.0.2/32'], 'test', resolver);
    for (let i = 0; i < 3; i++) {
      const response = await get(`http://rebind.test:${port}/`, guard);
      expect(await response.text()).toBe('public');
    }
    expect([local.connections, stand.requests]).toEqual([0, 3]);
    expect(resolver.calls.length).toBeGreaterThanOrEqual(1);
  });

  it('issue 9 #1: a failed lookup is a transient error, and the request does not go ahead unchecked', async () => {
    const resolver = scripted(Object.assign(new Error('getaddrinfo ENOTFOUND flaky.test'), { code: 'ENOTFOUND' }), ['127.0.0.1']);
    const error = await refusal(`http://flaky.test:${port}/`, new AddressGuard([], 'test', resolver));
    expect([error.errorClass, error.message]).toEqual(['transient', 'test: could not resolve flaky.test (ENOTFOUND)']);
    expect(local.connections).toBe(0);
  });

  it('issue 9 #1: a kept-alive socket of an unguarded call is not reused by a guarded one', async () => {
    const trusted = await callProvider('trusted', `http://localhost:${port}/`, { method: 'GET', signal: new AbortController().signal });
    expect(await trusted.text()).toBe('local');
    const error = await refusal(`http://localhost:${port}/`, new AddressGuard([], 'test'));
    expect(error.errorClass).toBe('permanent');
    expect(local.requests).toBe(1);
  });

  it('allow-listed names and CIDRs still connect, also through a mapped address', async () => {
    for (const [allow, host] of [
      ['localhost', 'localhost'],
      ['127.0.0.1', '127.0.0.1'],
      ['127.0.0.0/8', '[::ffff:127.0.0.1]'],
    ] as const) {
      const response = await get(`http://${host}:${port}/`, new AddressGuard([allow], 'test'));
      expect(await response.text(), host).toBe('local');
    }
    expect(local.requests).toBe(3);
  });
});
