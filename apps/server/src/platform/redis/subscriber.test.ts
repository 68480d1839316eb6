import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { createTestInfra, type TestInfra } from '../../../test/support/test-infra';
import { keepSubscribed, RedisConnections, whenReady } from './redis';

let infra: TestInfra;
let proxy: TcpProxy;
let connections: RedisConnections;
let direct: RedisConnections;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

beforeAll(async () => {
  infra = await createTestInfra();
  const proxied = await TcpProxy.forUrl(infra.redisUrl);
  proxy = proxied.proxy;
  connections = new RedisConnections(proxied.url, infra.redisPrefix);
  direct = new RedisConnections(infra.redisUrl, infra.redisPrefix);
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => proxy.restore());
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await connections.closeAll();
  await direct.closeAll();
  await proxy.close();
  await infra.cleanup();
});

/** The next message on `channel` that the subscriber hears, published (again and again) until heard. */
async function hears(subscriber: ReturnType<RedisConnections['create']>, channel: string): Promise<string> {
  const publisher = direct.create('command', 'visapi:test-publisher');
  await whenReady(publisher, 5_000);
  const heard = new Promise<string>((resolve) => subscriber.once('message', (_from: string, message: string) => resolve(message)));
  let timer: NodeJS.Timeout | undefined;
  const publish = () => void publisher.publish(channel, 'hello').then(() => (timer = setTimeout(publish, 50)));
  publish();
  try {
    return await heard;
  } finally {
    clearTimeout(timer);
    publisher.disconnect();
  }
}

/** A `subscriber` connection kept subscribed to a channel of its own, heard once already. */
async function subscribed(name: string) {
  const channel = connections.key(name);
  const subscriber = connections.create('subscriber', `visapi:test-${name}`);
  const failures: unknown[] = [];
  keepSubscribed(subscriber, channel, (error) => failures.push(error));
  await whenReady(subscriber, 5_000);
  expect(await hears(subscriber, channel)).toBe('hello');
  return { channel, subscriber, failures };
}

/** Dropped, and `then` done the moment it is connected again (before its SUBSCRIBE is answered). */
async function reconnectedAnd(subscriber: ReturnType<RedisConnections['create']>, then: () => void) {
  proxy.cut();
  proxy.restore();
  await new Promise<void>((resolve) =>
    subscriber.once('ready', () => {
      then();
      resolve();
    }),
  );
}

describe('subscriber connections', () => {
  it('subscribe again after every reconnect, also when dropped again before the answer', async () => {
    const { channel, subscriber } = await subscribed('subscriber-dropped');
    await reconnectedAnd(subscriber, () => proxy.cut());
    proxy.restore();
    expect(await hears(subscriber, channel)).toBe('hello');
    subscriber.disconnect();
  }, 20_000);

  it('closed (the process shutting down) while subscribing again after a reconnect: no unhandled rejection, which would end the process with an error', async () => {
    const { subscriber, failures } = await subscribed('subscriber-closed');
    await reconnectedAnd(subscriber, () => subscriber.disconnect());
    await new Promise((resolve) => subscriber.once('end', resolve));
    // A rejection nobody handled is reported after the microtasks of its turn.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
    // keepSubscribed's own attempt failed, and was handled.
    expect(failures).toEqual([expect.objectContaining({ message: 'Connection is closed.' })]);
  }, 20_000);
});
