import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import net from 'node:net';
import { permanent, StepError, transient } from '../engine/errors';
import type { HostResolver } from './ports';
import { embeddedIPv4, specialPurposeRange } from './special-addresses';

const systemResolver: HostResolver = (host) => dnsLookup(host, { all: true, verbatim: true });

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * SPEC §7: `http.request` (and any step whose URL may come from input) may not reach
 * private, loopback, link-local or other special-purpose addresses unless allow-listed
 * (HTTP_STEP_ALLOWED_HOSTS: host names or CIDRs), so a workflow cannot probe the internal
 * network. The check is made on the address the socket connects to: a guarded request's
 * socket resolves its host through `lookup`, which refuses the name when any of its
 * addresses is special and hands the socket only checked ones — so a name cannot answer a
 * public address to a check and a private one to the connect (DNS rebinding). A URL whose
 * host is an IP literal skips name resolution, so `checkLiteral` judges it first.
 * Guarded requests pool their sockets apart from everything else (provider-http.ts).
 */
export class AddressGuard {
  private readonly hosts = new Set<string>();
  private readonly allowed = new net.BlockList();

  constructor(
    allowList: string[],
    /** The step type named in refusals. */
    private readonly label = 'http.request',
    private readonly resolve: HostResolver = systemResolver,
  ) {
    for (const entry of allowList) {
      const [address, prefix] = entry.split('/');
      const family = net.isIP(address ?? '');
      if (family) this.allowed.addSubnet(address!, prefix ? Number(prefix) : family === 4 ? 32 : 128, family === 4 ? 'ipv4' : 'ipv6');
      else this.hosts.add(entry.toLowerCase());
    }
  }

  /** Refuses a URL whose host is a special-purpose IP literal (`[::ffff:7f00:1]`, `2130706433` → 127.0.0.1, …). */
  checkLiteral(url: URL): void {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (!net.isIP(host) || this.hosts.has(host)) return;
    const range = this.refusedRange(host);
    if (range) throw permanent(`${this.label}: ${host} is a private, loopback or reserved address (${range}); ${ALLOW}`);
  }

  /** A `net.connect` lookup that resolves with the guard's resolver and lets through only allowed addresses. */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const host = hostname.toLowerCase();
    const done = (error: Error | null, addresses: LookupAddress[] = []) =>
      process.nextTick(() => (error || options.all ? callback(error, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family)));
    this.resolve(host).then(
      (addresses) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
        const usable = addresses.filter((a) => !family || a.family === family);
        if (usable.length === 0) return done(transient(`${this.label}: ${host} has no ${family ? `IPv${family} ` : ''}address`));
        if (!this.hosts.has(host)) {
          for (const { address } of addresses) {
            const range = this.refusedRange(address);
            if (range) return done(permanent(`${this.label}: ${host} resolves to ${address}, a private, loopback or reserved address (${range}); ${ALLOW}`));
          }
        }
        done(null, usable);
      },
      (error: NodeJS.ErrnoException) => done(error instanceof StepError ? error : transient(`${this.label}: could not resolve ${host} (${error.code ?? error.message})`, undefined, error)),
    );
  };

  /** The special-purpose range of an address that is not allow-listed, else undefined. */
  private refusedRange(address: string): string | undefined {
    const range = specialPurposeRange(address);
    const bare = address.split('%')[0]!; // a zone id (fe80::1%eth0) is no part of the address
    if (!range || !net.isIP(bare)) return range;
    const inner = embeddedIPv4(bare);
    return this.allowed.check(bare, net.isIP(bare) === 6 ? 'ipv6' : 'ipv4') || (inner !== undefined && this.allowed.check(inner, 'ipv4')) ? undefined : range;
  }
}

const ALLOW = 'allow it with HTTP_STEP_ALLOWED_HOSTS';
