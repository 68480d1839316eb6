import { describe, expect, it } from 'vitest';
import { connectionFailure } from './durability';

describe('connectionFailure (said on the public /healthz)', () => {
  it('names a failed connection in a fixed vocabulary, never with the address an error message holds', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:6379'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(connectionFailure(refused)).toBe('connect failed (ECONNREFUSED)');
    // A TLS name mismatch: no syscall, and the message lists the certificate's names.
    const altname = Object.assign(new Error("Hostname/IP does not match certificate's altnames: Host: node-3.internal.example. is not in the cert's altnames: DNS:*.cache.example.com"), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    expect(connectionFailure(altname)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(connectionFailure(new Error('WRONGPASS invalid username-password pair or user is disabled.'))).toBe('WRONGPASS');
    expect(connectionFailure(new Error('NOAUTH Authentication required.'))).toBe('NOAUTH');
    expect(connectionFailure(new Error('getaddrinfo failed for node-3.internal.example'))).toBe('unreadable');
    expect(connectionFailure(undefined)).toBe('no connection in time');
  });
});
