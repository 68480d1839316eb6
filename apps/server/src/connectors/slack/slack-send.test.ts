import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsWith, failure, memoryConnectors, resolvingTo, runStep, stepContext as context, type SettingsOverrides } from '../../../test/support/providers/in-memory';
import { FakeSlack } from '../../../test/support/providers/slack-api';
import type { HostResolver } from '../ports';

/** slack.send against a local server speaking Slack's Web API; templates and outbox in memory. */
const slack = new FakeSlack();
beforeAll(() => slack.start());
afterAll(() => slack.stop());

const connectors = (overrides: SettingsOverrides = {}, resolveHost?: HostResolver) => memoryConnectors(settingsWith(overrides), { resolveHost });
const connector = (overrides: SettingsOverrides = {}, resolveHost?: HostResolver) => connectors(overrides, resolveHost).registry.get('slack.send')!;

describe('slack.send (Web API chat.postMessage)', () => {
  const withToken = () => connector({ slack: { botToken: slack.token, apiUrl: slack.base } });

  it('posts the channel and text as JSON with the bot token and returns {channel, ts}', async () => {
    const before = slack.requests.length;
    const result = await withToken().execute({ channel: '#visa-ops', text: 'Hello ops' }, context());
    expect(result).toEqual({ channel: 'C0VISAOPS', ts: expect.stringMatching(/^\d+\.\d+$/) });
    const [sent] = slack.requests.slice(before);
    expect(sent!.headers.authorization).toBe(`Bearer ${slack.token}`);
    expect(sent!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(sent!.body).toEqual({ channel: '#visa-ops', text: 'Hello ops' });
  });

  it('renders a registry template in the best locale (he-IL → he), Hebrew intact, and passes blocks and thread', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*שלום*' } }];
    await withToken().execute(
      { channel: '#visa-ops', template: 'application_status_update', locale: 'he-IL', variables: { count: 2, summary: 'אושר' }, blocks, threadTs: '1.2' },
      context(),
    );
    expect(slack.posted().at(-1)).toEqual({ channel: '#visa-ops', text: ':passport_control: עדכון סטטוס נשלח ל-2 מבקשים: אושר', blocks, thread_ts: '1.2' });
  });

  it('classifies Slack errors: channel_not_found and invalid_auth permanent, ratelimited/429/5xx transient with Retry-After', async () => {
    const send = withToken();
    const unknown = await failure(send.execute({ channel: '#nowhere', text: 'x' }, context()));
    expect([unknown.errorClass, unknown.message]).toEqual(['permanent', 'slack.send: chat.postMessage to #nowhere failed: channel_not_found']);

    const badToken = connector({ slack: { botToken: 'xoxb-wrong', apiUrl: slack.base } });
    expect((await failure(badToken.execute({ channel: '#visa-ops', text: 'x' }, context()))).message).toContain('invalid_auth');

    slack.failNext({ status: 429, headers: { 'retry-after': '7' }, body: { ok: false, error: 'ratelimited' } }, { status: 503, body: 'down' }, { status: 200, body: { ok: false, error: 'internal_error' } });
    const limited = await failure(send.execute({ channel: '#visa-ops', text: 'x' }, context()));
    expect([limited.errorClass, limited.retryAfterMs]).toEqual(['transient', 7_000]);
    expect((await failure(send.execute({ channel: '#visa-ops', text: 'x' }, context()))).errorClass).toBe('transient');
    expect((await failure(send.execute({ channel: '#visa-ops', text: 'x' }, context()))).errorClass).toBe('transient');
  });

  it('posts to an incoming webhook instead when the step names one; its 4xx answers are permanent', async () => {
    const send = connector({ httpAllowedHosts: ['127.0.0.1'] });
    expect(await send.execute({ webhookUrl: `${slack.base}/services/T0/B0/good`, text: 'via hook' }, context())).toEqual({ channel: null, ts: null });
    const hook = slack.requests.at(-1)!;
    expect([hook.path, hook.body, hook.headers.authorization]).toEqual(['/api/services/T0/B0/good', { text: 'via hook' }, undefined]);
    const gone = await failure(send.execute({ webhookUrl: `${slack.base}/services/T0/B0/gone`, text: 'x' }, context()));
    expect([gone.errorClass, gone.message]).toEqual(['permanent', 'slack.send: incoming webhook answered 410 channel_is_archived']);
  });

  it('refuses a step webhook URL on a private or loopback address unless allow-listed (it may come from input)', async () => {
    const before = slack.requests.length;
    const refused = await failure(connector().execute({ webhookUrl: `${slack.base}/services/T0/B0/good`, text: 'x' }, context()));
    expect([refused.errorClass, refused.message]).toEqual(['permanent', expect.stringMatching(/^slack\.send: 127\.0\.0\.1 is a private, loopback or reserved address \(127\.0\.0\.0\/8\); allow it with HTTP_STEP_ALLOWED_HOSTS$/)]);
    expect(slack.requests.length).toBe(before);
  });

  it('issue 9 #1: a step webhook URL through a mapped IPv6 address, or a name resolving to loopback, never reaches the local server', async () => {
    const before = slack.requests.length;
    const port = new URL(slack.base).port;
    const send = connector({}, resolvingTo('8.8.8.8', '127.0.0.1'));
    for (const host of ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[64:ff9b::127.0.0.1]', '2130706433', 'hooks.attacker.test']) {
      const refused = await failure(send.execute({ webhookUrl: `http://${host}:${port}/api/services/T0/B0/good`, text: 'x' }, context()));
      expect([refused.errorClass, refused.message], host).toEqual(['permanent', expect.stringMatching(/^slack\.send: .+ a private, loopback or reserved address \(127\.0\.0\.0\/8\); allow it with HTTP_STEP_ALLOWED_HOSTS$/)]);
    }
    expect(slack.requests.length).toBe(before);
    // Allow-listed by CIDR, the mapped form of an allowed address is allowed too.
    const allowed = connector({ httpAllowedHosts: ['127.0.0.0/8'] });
    await allowed.execute({ webhookUrl: `http://[::ffff:127.0.0.1]:${port}/api/services/T0/B0/good`, text: 'mapped' }, context());
    expect(slack.requests.slice(before).map((r) => r.body)).toEqual([{ text: 'mapped' }]);
  });

  it('without credentials, keeps the rendered message in the outbox and sends nothing', async () => {
    const before = slack.requests.length;
    const { registry, outbox } = connectors();
    const result = (await registry.get('slack.send')!.execute({ channel: '#visa-ops', template: 'visa_approved', variables: { applicationId: 'A-1', country: 'Japan' } }, context('sandboxed'))) as { outboxId: string };
    expect(result).toMatchObject({ channel: '#visa-ops', ts: null, sandbox: true });
    expect(slack.requests.length).toBe(before);
    expect(outbox.find(result.outboxId)).toMatchObject({ connector: 'slack.send', recipient: '#visa-ops', stepId: 'sandboxed', runId: context().runId });
    expect(outbox.find(result.outboxId)!.payload).toMatchObject({ channel: '#visa-ops', text: ':white_check_mark: Visa approved: application A-1 (Japan)', template: { name: 'visa_approved', locale: 'en', version: 1 } });
  });

  it('refuses a bad config as a permanent error naming the field, and a template variable left out', async () => {
    const { registry } = connectors();
    const outcome = await runStep(registry, 'slack.send', { channel: '#x' });
    expect(outcome).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: 'slack.send step bad: invalid config: config: needs text or template' } });
    const missing = await failure(registry.get('slack.send')!.execute({ channel: '#x', template: 'application_status_update', variables: { count: 1 } }, context()));
    expect([missing.errorClass, missing.message]).toEqual(['permanent', expect.stringContaining('template application_status_update/slack/en: undefined variable: summary')]);
    const none = await failure(registry.get('slack.send')!.execute({ channel: '#x', template: 'no_such' }, context()));
    expect(none.message).toBe('no slack template "no_such" for locale en (nor its language or en)');
  });
});
