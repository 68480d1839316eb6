import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTarget } from '../../../test/support/providers/fake-provider';
import { settingsWith, memoryConnectors, resolvingTo, runStep } from '../../../test/support/providers/in-memory';
import type { HostResolver } from '../ports';

/** http.request's address guard, through the step runner, against a local server it must never reach. */
const target = new HttpTarget();
beforeAll(() => target.start());
afterAll(() => target.stop());

const registry = (resolveHost?: HostResolver, httpAllowedHosts: string[] = []) => memoryConnectors(settingsWith({ httpAllowedHosts }), { resolveHost }).registry;

describe('http.request (address guard)', () => {
  it('issue 9 #1: a URL from input through a mapped IPv6, NAT64, decimal or hex address, or a name resolving to loopback, is refused before any connection', async () => {
    const before = target.requests.length;
    const port = new URL(target.base).port;
    const reg = registry(resolvingTo('127.0.0.1'));
    for (const host of ['[::ffff:127.0.0.1]', '[::ffff:a9fe:a9fe]', '[64:ff9b::7f00:1]', '2130706433', '0x7f.1', '0177.0.0.1', 'internal.attacker.test']) {
      const outcome = await runStep(reg, 'http.request', { url: `http://${host}:${port}/api/chat.postMessage` });
      expect(outcome, host).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: expect.stringMatching(/^http\.request: .+ a private, loopback or reserved address \(.+\); allow it with HTTP_STEP_ALLOWED_HOSTS$/) } });
    }
    expect(target.requests.length).toBe(before);
  });

  it('issue 9 #1: a name that fails to resolve is a transient error, not a request that goes ahead', async () => {
    const failing: HostResolver = async () => Promise.reject(Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }));
    const outcome = await runStep(registry(failing), 'http.request', { url: 'http://flaky.attacker.test/x' });
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'transient', message: 'http.request: could not resolve flaky.attacker.test (EAI_AGAIN)' } });
  });

  it('issue 10 #7: a rendered config is checked against the connector’s schema: the method in any case, a status list, a bad URL named without its secrets', async () => {
    const reg = registry(undefined, ['127.0.0.1']);
    target.script('/created', { status: 201, body: { id: 7 } });
    const input = { method: 'post', codes: [201, 202] };
    const outcome = await runStep(reg, 'http.request', { method: '{{ input.method }}', url: `${target.base}/created`, body: { a: 1 }, expectStatus: '{{ input.codes }}' }, input);
    expect(outcome).toMatchObject({ status: 'succeeded', output: { status: 201, body: { id: 7 } } });
    expect(target.to('/created')[0]).toMatchObject({ method: 'POST', body: { a: 1 } });

    const bad = await runStep(reg, 'http.request', { url: '{{ input.url }}' }, { url: 'partner.example/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/x?token=t0k3n' });
    expect(bad).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: 'http.request step bad: invalid config: config.url: "partner.example/[redacted]/x" is not an absolute URL' } });
  });
});
