import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { permanent } from '../engine/errors';

/**
 * SPEC §7: `http.request` (and any step whose URL may come from input) may not reach private, loopback or link-local addresses unless
 * allow-listed (HTTP_STEP_ALLOWED_HOSTS: host names or CIDRs), so a workflow cannot be used
 * to probe the internal network. The resolved addresses are checked, not the name.
 */
export type HostResolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

/** SEAM ONLY (old semantics): the old guard's block decision. */
export function specialPurposeRange(address: string): string | undefined {
  const guard = new AddressGuard([]);
  return guard['blocks'].check(address, net.isIP(address) === 6 ? 'ipv6' : 'ipv4') ? 'blocked' : undefined;
}

export class AddressGuard {
  private readonly hosts = new Set<string>();
  private readonly blocks = new net.BlockList();
  private readonly allowed = new net.BlockList();

  constructor(
    allowList: string[],
    /** The step type named in refusals. */
    private readonly label = 'http.request',
    private readonly resolve: HostResolver = (host) => lookup(host, { all: true }),
  ) {
    for (const entry of allowList) {
      const [address, prefix] = entry.split('/');
      const family = net.isIP(address ?? '');
      if (family) this.allowed.addSubnet(address!, prefix ? Number(prefix) : family === 4 ? 32 : 128, family === 4 ? 'ipv4' : 'ipv6');
      else this.hosts.add(entry.toLowerCase());
    }
    for (const [net4, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
      this.blocks.addSubnet(net4, bits, 'ipv4');
    }
    for (const [net6, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) this.blocks.addSubnet(net6, bits, 'ipv6');
  }

  /** SEAM ONLY: the connect-time resolution http.request did on its own, unchecked. */
  readonly connectLookup = (host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    this.resolve(host).then(
      (all) => (options.all ? callback(null, all) : callback(null, all[0]!.address, all[0]!.family)),
      (error) => callback(error),
    );
  };

  async check(url: URL): Promise<void> {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (this.hosts.has(host)) return;
    const addresses = net.isIP(host) ? [{ address: host, family: net.isIP(host) }] : await this.resolve(host).catch(() => []);
    if (addresses.length === 0) return; // fetch will fail with a clear DNS error (transient)
    for (const { address, family } of addresses) {
      const type = family === 6 ? 'ipv6' : 'ipv4';
      const mapped = type === 'ipv6' && address.startsWith('::ffff:') ? address.slice(7) : undefined;
      const blocked = mapped ? this.blocks.check(mapped, 'ipv4') : this.blocks.check(address, type);
      const allowed = mapped ? this.allowed.check(mapped, 'ipv4') : this.allowed.check(address, type);
      if (blocked && !allowed) {
        throw permanent(`${this.label}: ${host} resolves to ${address}, a private or loopback address; allow it with HTTP_STEP_ALLOWED_HOSTS`);
      }
    }
  }
}
