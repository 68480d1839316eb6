import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noise } from '../../../test/support/images';
import { failure, memoryConnectors, resolvingTo, settingsWith, stepContext, type SettingsOverrides } from '../../../test/support/providers/in-memory';
import { StepError } from '../../engine/errors';
import type { HostResolver } from '../ports';
import { imageProcessConfigSchema } from './image-process';

/** image.process with URL sources: a local photo server behind the address guard. */
type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const routes = new Map<string, Route>();
const requests: string[] = [];
const arrived = new Map<string, () => void>();
const server = http.createServer((req, res) => {
  requests.push(req.url!);
  arrived.get(req.url!)?.();
  (routes.get(req.url!) ?? ((_, r) => r.writeHead(404).end()))(req, res);
});
let port = 0;
let photo: Buffer;
/** How much of /stream the server got to write before the client hung up, and when it did. */
let streamed = { sent: 0, closed: false };
let streamClosed: Promise<void> = Promise.resolve();
const STREAM_TOTAL = 8 * 1024 * 1024;

beforeAll(async () => {
  photo = await noise(800, 600).jpeg().toBuffer();
  routes.set('/photo.jpg', (_, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(photo)); // a wrong type: the bytes decide
  routes.set('/moved', (_, res) => res.writeHead(302, { location: '/photo.jpg' }).end());
  routes.set('/to-private', (_, res) => res.writeHead(302, { location: `http://10.0.0.7:${port}/photo.jpg` }).end());
  routes.set('/busy', (_, res) => res.writeHead(503).end());
  routes.set('/slow-down', (_, res) => res.writeHead(429, { 'retry-after': '7' }).end());
  routes.set('/gone', (_, res) => res.writeHead(410).end());
  routes.set('/page', (_, res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end('<html>a login page</html>'));
  routes.set('/declared-big', (_, res) => res.writeHead(200, { 'content-length': String(STREAM_TOTAL) }).write(Buffer.alloc(1024)));
  routes.set('/stream', (_, res) => {
    // No content-length: chunks until the client hangs up or all 8 MB are out.
    streamed = { sent: 0, closed: false };
    streamClosed = new Promise((resolve) => res.on('close', () => resolve(void (streamed.closed = true))));
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    const more = () => {
      while (!streamed.closed && streamed.sent < STREAM_TOTAL) {
        streamed.sent += 64 * 1024;
        if (!res.write(Buffer.alloc(64 * 1024))) return void res.once('drain', more);
      }
      if (!streamed.closed) res.end();
    };
    more();
  });
  routes.set('/hang', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function connector(overrides: SettingsOverrides = {}, resolveHost: HostResolver = resolvingTo('127.0.0.1')) {
  const { registry, storage } = memoryConnectors(settingsWith(overrides), { resolveHost });
  const handler = registry.get('image.process')!;
  const run = (url: string, signal = new AbortController().signal) =>
    handler.execute(imageProcessConfigSchema.parse({ source: url, ops: [{ op: 'resize', width: 80 }] }), { ...stepContext(), signal }) as Promise<{ key: string; width: number; height: number }>;
  return { run, storage };
}
const allowed = () => connector({ httpAllowedHosts: ['127.0.0.1'] });
const photos = (path: string) => `http://photos.example:${port}${path}`;

describe('image.process: URL sources', () => {
  it('a name resolving to a private address is refused before any request; allowed with HTTP_STEP_ALLOWED_HOSTS', async () => {
    const before = requests.length;
    const refused = await failure(connector().run(photos('/photo.jpg')));
    expect([refused.errorClass, refused.message]).toEqual([
      'permanent',
      'image.process: photos.example resolves to 127.0.0.1, a private, loopback or reserved address (127.0.0.0/8); allow it with HTTP_STEP_ALLOWED_HOSTS',
    ]);
    expect(await failure(connector().run(`http://[::ffff:127.0.0.1]:${port}/photo.jpg`))).toMatchObject({ errorClass: 'permanent', message: expect.stringContaining('a private, loopback or reserved address') });
    expect(requests.length).toBe(before);

    const { run, storage } = allowed();
    const result = await run(photos('/photo.jpg'));
    expect(result).toMatchObject({ width: 80, height: 60 });
    expect((await storage.get(result.key))!.contentType).toBe('image/jpeg');
  });

  it('redirects are followed, each target through the guard again', async () => {
    expect(await allowed().run(photos('/moved'))).toMatchObject({ width: 80 });
    const before = requests.length;
    const error = await failure(connector({ httpAllowedHosts: ['photos.example'] }).run(photos('/to-private')));
    expect([error.errorClass, error.message]).toEqual(['permanent', 'image.process: 10.0.0.7 is a private, loopback or reserved address (10.0.0.0/8); allow it with HTTP_STEP_ALLOWED_HOSTS']);
    expect(requests.slice(before)).toEqual(['/to-private']);
  });

  it('classifies the download: 5xx and 429 (Retry-After) transient, other 4xx permanent, a page that is no image permanent', async () => {
    const { run } = allowed();
    expect(await failure(run(photos('/busy')))).toMatchObject({ errorClass: 'transient', message: `image.process: GET http://photos.example:${port}/busy answered 503` });
    expect(await failure(run(photos('/slow-down')))).toMatchObject({ errorClass: 'transient', retryAfterMs: 7000 });
    expect(await failure(run(photos('/gone')))).toMatchObject({ errorClass: 'permanent', message: `image.process: GET http://photos.example:${port}/gone answered 410` });
    expect(await failure(run(photos('/page')))).toMatchObject({ errorClass: 'permanent', message: expect.stringMatching(/^image\.process: the source is not an image we can read/) });
    const refusedConnection = await failure(connector({ httpAllowedHosts: ['127.0.0.1'] }).run('http://127.0.0.1:1/photo.jpg'));
    expect(refusedConnection).toMatchObject({ errorClass: 'transient', message: 'image.process: GET http://127.0.0.1:1/photo.jpg failed: ECONNREFUSED' });
  });

  it('a download over the cap is cut off: at once when declared, mid-stream otherwise', async () => {
    const { run } = connector({ httpAllowedHosts: ['127.0.0.1'], image: { maxDownloadBytes: 256 * 1024 } });
    expect(await failure(run(photos('/declared-big')))).toMatchObject({ errorClass: 'permanent', message: `image.process: GET http://photos.example:${port}/declared-big: the image is larger than 0.3 MB` });
    const error = await failure(run(photos('/stream')));
    expect([error.errorClass, error.message]).toEqual(['permanent', `image.process: GET http://photos.example:${port}/stream: the image is larger than 0.3 MB`]);
    await streamClosed;
    expect(streamed.sent).toBeLessThan(STREAM_TOTAL);
  });

  it('an abort (the step timeout) ends a hung download with the signal’s reason', async () => {
    const { run } = allowed();
    const controller = new AbortController();
    const reached = new Promise<void>((resolve) => arrived.set('/hang', resolve));
    const pending = failure(run(photos('/hang'), controller.signal));
    await reached;
    const timeout = new StepError('timeout', 'step photo timed out after 30000 ms');
    controller.abort(timeout);
    expect(await pending).toBe(timeout);
  });
});
