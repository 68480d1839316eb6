import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkflowStep } from '@visapi/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressGuard } from '../connectors/address-guard';
import { delayStep } from '../connectors/delay/delay';
import { httpRequestStep } from '../connectors/http-request/http-request';
import { StepRegistry } from './step-types';
import { retryDelayMs } from './backoff';
import { StepError } from './errors';
import { StepRunner } from './step-runner';
import { TemplateRenderer, type TemplateScope } from './templating';

const renderer = new TemplateRenderer();
const scope = (extra: Partial<TemplateScope> = {}): TemplateScope => ({
  input: { applicant: { firstName: 'Dana', phone: '+972541234567' }, applicants: [{ n: 'a' }, { n: 'b' }, { n: 'c' }], count: 3 },
  vars: { opsChannel: '#visa-ops' },
  steps: { letter: { url: 'https://files.example/l.pdf', pages: 2 } },
  run: { id: 'run-1', workflowId: 'wf-1', triggeredAt: '2026-11-26T00:00:00.000Z' },
  ...extra,
});

describe('templating', () => {
  it('renders strings, keeps a lone expression as its value, and leaves plain text alone', async () => {
    expect(await renderer.render({ to: '{{ input.applicant.phone }}', text: 'Hi {{ input.applicant.firstName | upcase }}!', n: 5, plain: 'no tags' }, scope())).toEqual({
      to: '+972541234567',
      text: 'Hi DANA!',
      n: 5,
      plain: 'no tags',
    });
    expect(await renderer.renderString('{{ input.applicant }}', scope())).toEqual({ firstName: 'Dana', phone: '+972541234567' });
    expect(await renderer.renderString('{{ steps.letter.pages }}', scope())).toBe(2);
    expect(await renderer.renderString('{{ vars.opsChannel }} / {{ run.id }}', scope())).toBe('#visa-ops / run-1');
  });

  it('an undefined variable is a permanent error, not an empty string', async () => {
    for (const text of ['{{ input.nope }}', 'Hello {{ input.applicant.lastName }}', '{{ steps.missing.url }}']) {
      const error = await renderer.renderString(text, scope()).catch((e: unknown) => e);
      expect(error, text).toBeInstanceOf(StepError);
      expect((error as StepError).errorClass).toBe('permanent');
    }
  });

  it('issue 12: {% if %} may test an optional field (the SPEC §4 example’s locale); outputting it stays an error', async () => {
    const locale = '{% if input.locale %}{{ input.locale }}{% else %}en{% endif %}';
    expect(await renderer.renderString(locale, scope())).toBe('en');
    expect(await renderer.renderString(locale, scope({ input: { locale: 'he' } }))).toBe('he');
    expect(await renderer.renderText('Hi {{ name }}{% if letter %}: {{ letter }}{% endif %}', { name: 'Dana' })).toBe('Hi Dana');
    expect(await renderer.renderString('{% if input.locale %}{% endif %}{{ input.locale }}', scope()).catch((e: unknown) => (e as StepError).errorClass)).toBe('permanent');
  });

  it('issue 9 #18: in an HTML context every output is escaped once; | raw opts out; a lone expression is text', async () => {
    const html = scope({ input: { name: '<b>"Dana" & co</b>', n: 3 } });
    expect(await renderer.renderHtml('<p>{{ input.name }}</p>', html)).toBe('<p>&lt;b&gt;&#34;Dana&#34; &amp; co&lt;/b&gt;</p>');
    expect(await renderer.renderHtml('{{ input.name | escape }}|{{ input.name | upcase }}', html)).toBe('&lt;b&gt;&#34;Dana&#34; &amp; co&lt;/b&gt;|&lt;B&gt;&#34;DANA&#34; &amp; CO&lt;/B&gt;');
    expect(await renderer.renderHtml('{{ input.name | raw }}', html)).toBe('<b>"Dana" & co</b>');
    expect(await renderer.renderHtml('{{ input.n }}', html)).toBe('3');
    expect(await renderer.renderString('{{ input.name }}', html)).toBe('<b>"Dana" & co</b>');
  });

  it('if: skipped for empty, false, 0, null and undefined', async () => {
    for (const falsy of ['', '{{ false }}', '0', 'null', 'undefined', '{% if input.count > 5 %}yes{% endif %}']) {
      expect(await renderer.isTrue(falsy, scope()), falsy).toBe(false);
    }
    for (const truthy of ['yes', '{{ input.count }}', '{% if input.count > 2 %}yes{% endif %}']) {
      expect(await renderer.isTrue(truthy, scope()), truthy).toBe(true);
    }
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially with jitter, is capped, and honours Retry-After', () => {
    expect(retryDelayMs(1, undefined, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(1, undefined, undefined, () => 1)).toBe(1000);
    expect(retryDelayMs(4, undefined, undefined, () => 1)).toBe(8000);
    expect(retryDelayMs(30, undefined, undefined, () => 1)).toBe(300_000);
    expect(retryDelayMs(1, 7_000, undefined, () => 1)).toBe(7000);
  });
});

// A local HTTP server that answers as each test asks, and records what it received.
let server: http.Server;
let base: string;
const received: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
const aborted: string[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const [, status, extra] = /^\/status\/(\d+)(?:\/(.*))?/.exec(req.url!) ?? [];
      if (req.url === '/json') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"id":7}');
      if (req.url === '/huge') return res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(5 * 1024 * 1024));
      if (req.url === '/slow') {
        res.on('close', () => aborted.push(req.url!));
        return; // never answers
      }
      if (status === '429') return res.writeHead(429, { 'retry-after': extra ?? '3' }).end('slow down');
      if (status) return res.writeHead(Number(status)).end(`status ${status}`);
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const runner = new StepRunner(new StepRegistry([delayStep, httpRequestStep(new AddressGuard(['127.0.0.1']))]), renderer);
const guarded = new StepRunner(new StepRegistry([delayStep, httpRequestStep(new AddressGuard([]))]), renderer);
const step = (s: Partial<WorkflowStep>): WorkflowStep => ({ id: 's', type: 'http.request', retries: 3, timeout: 5_000, config: {}, ...s });
const attempt = (s: Partial<WorkflowStep>, r = runner, extra: Partial<Parameters<StepRunner['attempt']>[2]> = {}) =>
  r.attempt(step(s), scope(), { runId: 'run-1', attempt: 1, ...extra });

describe('http.request', () => {
  it('sends an object body as JSON, rendered, and parses a JSON answer', async () => {
    const outcome = await attempt({ config: { method: 'POST', url: `${base}/json`, headers: { 'x-visa': '{{ run.id }}' }, body: { name: '{{ input.applicant.firstName }}', n: '{{ input.count }}' } } });
    expect(outcome).toMatchObject({ status: 'succeeded', output: { status: 200, body: { ok: true, id: 7 } } });
    const sent = received.at(-1)!;
    expect(sent).toMatchObject({ method: 'POST', url: '/json', body: '{"name":"Dana","n":3}' });
    expect(sent.headers).toMatchObject({ 'content-type': 'application/json', 'x-visa': 'run-1' });
  });

  it('sends a string body as it is', async () => {
    await attempt({ config: { method: 'PUT', url: `${base}/status/204`, body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } } });
    expect(received.at(-1)).toMatchObject({ method: 'PUT', body: 'a=1&b=2' });
  });

  it.each([
    ['/status/500', 'transient', undefined],
    ['/status/503', 'transient', undefined],
    ['/status/408', 'transient', undefined],
    ['/status/429/3', 'transient', 3000],
    ['/status/404', 'permanent', undefined],
    ['/status/400', 'permanent', undefined],
    ['/status/301', 'permanent', undefined],
  ])('%s fails as %s', async (path, errorClass, retryAfter) => {
    const outcome = await attempt({ config: { url: `${base}${path}` } });
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') return;
    expect(outcome.error.errorClass).toBe(errorClass);
    expect(outcome.error.retryAfterMs).toBe(retryAfter);
  });

  it('reads at most 1 MB of an answer, marked as cut', async () => {
    const outcome = await attempt({ config: { method: 'GET', url: `${base}/huge` } });
    expect(outcome.status).toBe('succeeded');
    const body = (outcome as { output: { body: string } }).output.body;
    expect(body.length).toBeLessThanOrEqual(1024 * 1024 + 1);
    expect(body.endsWith('…')).toBe(true);
  });

  it('expectStatus decides what success is', async () => {
    expect((await attempt({ config: { url: `${base}/status/404`, expectStatus: [200, 404] } })).status).toBe('succeeded');
    expect((await attempt({ config: { url: `${base}/json`, expectStatus: 201 } })).status).toBe('failed');
  });

  it('a refused connection is transient', async () => {
    const outcome = await attempt({ config: { url: 'http://127.0.0.1:1/x' } });
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'transient' } });
  });

  it('refuses loopback and private addresses unless allow-listed', async () => {
    for (const url of [`${base}/json`, 'http://localhost:9/x', 'http://10.1.2.3/x', 'http://[::1]:9/x', 'http://169.254.169.254/latest/meta-data']) {
      const outcome = await attempt({ config: { url } }, guarded);
      expect(outcome, url).toMatchObject({ status: 'failed', error: { errorClass: 'permanent' } });
      if (outcome.status === 'failed') expect(outcome.error.message).toContain('HTTP_STEP_ALLOWED_HOSTS');
    }
  });

  it('refuses bad config permanently', async () => {
    for (const config of [{ url: 'not a url' }, { url: 'ftp://x.example/f' }, { url: `${base}/json`, method: 'TRACE' }, { url: `${base}/json`, headers: 'x' }]) {
      expect(await attempt({ config }), JSON.stringify(config)).toMatchObject({ status: 'failed', error: { errorClass: 'permanent' } });
    }
  });

  it('issue 9 review: an error shows the origin and the path with long opaque segments masked, never the query', async () => {
    const bot = 'bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
    const answered = await attempt({ config: { method: 'POST', url: `${base}/${bot}/sendMessage?chat_id=42&token=t0k3n-4711#frag` } });
    expect(answered).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: `http.request: POST ${base}/[redacted]/sendMessage answered 404` } });
    expect(received.at(-1)!.url).toBe(`/${bot}/sendMessage?chat_id=42&token=t0k3n-4711`); // the request itself is unchanged

    const hook = 'http://127.0.0.1:1/services/T0A1B2C3/B9Z8Y7X6/zmH9S2kR8qDPzW3fXn6tYh1L?x=1';
    const refused = await attempt({ config: { url: hook } });
    expect(refused).toMatchObject({ status: 'failed', error: { errorClass: 'transient', message: 'http.request: GET http://127.0.0.1:1/services/T0A1B2C3/B9Z8Y7X6/[redacted] failed: ECONNREFUSED' } });

    const unparsable = await attempt({ config: { url: `api.telegram.org/${bot}/sendMessage?token=t0k3n-4711` } });
    expect(unparsable).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: 'http.request step s: invalid config: config.url: "api.telegram.org/[redacted]/sendMessage" is not an absolute URL' } });

    // Ids an operator needs stay: short ones, words, numbers.
    const kept = await attempt({ config: { url: `${base}/v1/applications/A-2026-0001/status/x/1234567890123456789` } });
    expect(kept).toMatchObject({ status: 'failed', error: { message: `http.request: GET ${base}/v1/applications/A-2026-0001/status/x/1234567890123456789 answered 404` } });
  });

  it('a timeout really aborts the request', async () => {
    const started = Date.now();
    const outcome = await attempt({ timeout: 1000, config: { url: `${base}/slow` } });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'timeout' } });
    await expect.poll(() => aborted).toContain('/slow');
  });
});

describe('step runner', () => {
  it('skips a step whose if renders falsy', async () => {
    expect(await attempt({ type: 'delay', if: '{% if input.count > 10 %}go{% endif %}', config: { ms: 0 } })).toEqual({ status: 'skipped' });
  });

  it('delay waits, and is cut by its timeout', async () => {
    expect(await attempt({ type: 'delay', config: { ms: 5 } })).toEqual({ status: 'succeeded', output: {} });
    expect(await attempt({ type: 'delay', config: { until: new Date(Date.now() - 1000).toISOString() } })).toEqual({ status: 'succeeded', output: {} });
    const outcome = await attempt({ type: 'delay', timeout: 1000, config: { ms: 60_000 } });
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'timeout' } });
    expect(await attempt({ type: 'delay', config: { ms: -1 } })).toMatchObject({ status: 'failed', error: { errorClass: 'permanent' } });
  });

  it('a cancelled run aborts the step', async () => {
    const controller = new AbortController();
    const pending = attempt({ type: 'delay', config: { ms: 60_000 } }, runner, { signal: controller.signal });
    controller.abort();
    expect(await pending).toMatchObject({ status: 'failed', error: { errorClass: 'cancelled' } });
  });

  it('a template error fails the step permanently', async () => {
    expect(await attempt({ type: 'delay', config: { ms: '{{ input.nothing }}' } })).toMatchObject({ status: 'failed', error: { errorClass: 'permanent' } });
  });

  it('issue 9 review: a step’s config is one render: its strings share one memory budget, and the handler is not called past it', async () => {
    // Each string alone fits; together they allocate 1,200,000 items.
    const config = { ms: 0, a: '{{ (1..400000) | size }}', b: '{{ (1..400000) | size }}', c: '{{ (1..400000) | size }}' };
    const outcome = await attempt({ type: 'delay', config });
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: expect.stringContaining('memory alloc limit exceeded') } });
    expect(await attempt({ type: 'delay', config: { ms: 0, a: config.a, b: config.b } })).toEqual({ status: 'succeeded', output: {} });
  });

  it('issue 9 review: rendering the config counts against the step’s timeout: a render reaching it fails the step as its timeout, before any request', async () => {
    const list = Array.from({ length: 4_000 }, (_, i) => i);
    const spin = '{% for a in input.list %}{% for b in input.list %}{% endfor %}{% endfor %}';
    const before = received.length;
    const outcome = await runner.attempt(step({ id: 'slow', timeout: 1_000, config: { url: `${base}/json`, body: { a: spin } } }), scope({ input: { list } }), { runId: 'r', attempt: 1 });
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'timeout', message: 'step slow timed out after 1000 ms while rendering its config' } });
    expect(received.length).toBe(before);
  });

  it('forEach runs every item, reports each, and a retry re-runs only the failed ones', async () => {
    const forEachStep = { forEach: 'input.applicants', config: { url: `${base}/status/{% if item.n == "b" %}503{% else %}200{% endif %}`, method: 'POST', body: { n: '{{ item.n }}', i: '{{ index }}' } } };
    const first = await attempt(forEachStep);
    expect(first.status).toBe('failed');
    if (first.status !== 'failed') return;
    expect(first.error.errorClass).toBe('transient');
    expect(first.error.message).toMatch(/^1 of 3 items failed/);
    expect(first.items!.map((i) => i.status)).toEqual(['succeeded', 'failed', 'succeeded']);

    const sentBefore = received.length;
    const fixed = { ...forEachStep, config: { ...forEachStep.config, url: `${base}/status/200` } };
    const retry = await attempt(fixed, runner, { attempt: 2, previousItems: first.items });
    expect(retry).toMatchObject({ status: 'succeeded' });
    const resent = received.slice(sentBefore).map((r) => JSON.parse(r.body));
    expect(resent).toEqual([{ n: 'b', i: 1 }]);
    if (retry.status === 'succeeded') expect((retry.output as unknown[]).length).toBe(3);
  });

  it('forEach over something that is not an array, or too long, fails permanently', async () => {
    expect(await attempt({ type: 'delay', forEach: 'input.count', config: { ms: 0 } })).toMatchObject({ status: 'failed', error: { errorClass: 'permanent' } });
    const long = scope({ input: { list: Array.from({ length: 1001 }, (_, i) => i) } });
    const outcome = await runner.attempt(step({ type: 'delay', forEach: 'input.list', config: { ms: 0 } }), long, { runId: 'r', attempt: 1 });
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'permanent' } });
  });
});
