import net from 'node:net';

/**
 * The IANA special-purpose address registries (IPv4 and IPv6): private, loopback,
 * link-local, shared, documentation, benchmarking, multicast, reserved and transition
 * ranges. A step whose URL may come from input may not reach them (SPEC §7).
 */
const V4_RANGES: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255
];

/** `embedded`: the range carries an IPv4 address in its last 32 bits, which decides. */
const V6_RANGES: ReadonlyArray<readonly [string, number, 'embedded'?]> = [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96, 'embedded'], // IPv4-mapped
  ['::', 96], // IPv4-compatible (deprecated)
  ['64:ff9b::', 96, 'embedded'], // NAT64 well-known prefix: public IPv4 behind DNS64 is fine
  ['64:ff9b:1::', 48], // NAT64 local use
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments, Teredo (2001::/32) among them
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['3fff::', 20], // documentation
  ['5f00::', 16], // SRv6 SIDs
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
  // Last (the first match wins): the rest of 0000::/8, reserved by the IETF, SIIT's
  // ::ffff:0:0:0/96 among it; the ranges above inside it (mapped, NAT64) judged first.
  ['::', 8],
];

const v4Ranges = V4_RANGES.map(([base, bits]) => ({ name: `${base}/${bits}`, base: ipv4ToInt(base), bits }));
const v6Ranges = V6_RANGES.map(([base, bits, embedded]) => ({ name: `${base}/${bits}`, base: ipv6ToBigInt(base), bits, embedded }));

/**
 * The special-purpose range `address` is in (its CIDR, for messages), or undefined for a
 * globally reachable address. IPv4 embedded in IPv4-mapped and NAT64 addresses is judged
 * as IPv4. Anything that is not an IP address is refused.
 */
export function specialPurposeRange(address: string): string | undefined {
  const family = net.isIP(address);
  if (family === 4) {
    const ip = ipv4ToInt(address);
    return v4Ranges.find((r) => prefix32(ip, r.bits) === prefix32(r.base, r.bits))?.name;
  }
  if (family !== 6) return 'not an IP address';
  const ip = ipv6ToBigInt(address);
  const range = v6Ranges.find((r) => ip >> BigInt(128 - r.bits) === r.base >> BigInt(128 - r.bits));
  if (!range) return undefined;
  return range.embedded ? specialPurposeRange(intToIpv4(Number(ip & 0xffffffffn))) : range.name;
}

/** The IPv4 address inside an IPv4-mapped or NAT64 address, else undefined. */
export function embeddedIPv4(address: string): string | undefined {
  if (net.isIP(address) !== 6) return undefined;
  const ip = ipv6ToBigInt(address);
  const range = v6Ranges.find((r) => r.embedded && ip >> 32n === r.base >> 32n);
  return range ? intToIpv4(Number(ip & 0xffffffffn)) : undefined;
}

const prefix32 = (ip: number, bits: number) => (bits === 0 ? 0 : ip >>> (32 - bits));

function ipv4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function intToIpv4(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

/** A valid IPv6 address (net.isIP said so) as a 128-bit number; a zone (`%eth0`) is ignored. */
function ipv6ToBigInt(address: string): bigint {
  let text = address.split('%')[0]!.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4ToInt(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const words = (part: string | undefined) => (part ? part.split(':') : []);
  const left = words(head);
  const right = words(tail);
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((acc, word) => (acc << 16n) | BigInt(parseInt(word, 16)), 0n);
}
