import net from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * A TCP proxy in the test process that stands between the app and PostgreSQL or Redis, so
 * a test can take a dependency "down" (cut) and bring it back (restore) without touching
 * the real server other test files share.
 */
export class TcpProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private up = true;
  port = 0;
  /** Connections refused while down: the app tried to reach the dependency during the outage. */
  refused = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = net.createServer((client) => {
      if (!this.up) {
        this.refused++;
        return client.destroy();
      }
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => (socket === client ? upstream : client).destroy());
      }
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (this.lateMs > 0 && !this.held) return void setTimeout(() => client.write(chunk), this.lateMs);
        if (!this.held) return void client.write(chunk);
        this.held.chunks.push([client, chunk]);
        this.held.onData(Buffer.concat(this.held.chunks.map(([, c]) => c)));
      });
      upstream.on('end', () => client.end());
    });
  }

  /** Set: what the server sends back arrives this late (a slow Redis that still answers). */
  private lateMs = 0;

  /** Every answer from now on arrives `ms` late (0: on time again); their order is kept. */
  late(ms: number) {
    this.lateMs = ms;
  }

  private held?: { chunks: Array<[net.Socket, Buffer]>; onData: (all: Buffer) => void };

  /**
   * Holds what the server sends back (its queries run, their answers wait) until `release()`.
   * `received(marker)` resolves once the held answers contain `marker`.
   */
  hold(): { received: (marker: string) => Promise<void>; release: () => void } {
    const waiters: Array<{ marker: string; resolve: () => void }> = [];
    const held = {
      chunks: [] as Array<[net.Socket, Buffer]>,
      onData: (all: Buffer) => {
        for (const w of [...waiters]) {
          if (!all.includes(w.marker)) continue;
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      },
    };
    this.held = held;
    return {
      received: (marker) =>
        new Promise<void>((resolve) => {
          waiters.push({ marker, resolve });
          held.onData(Buffer.concat(held.chunks.map(([, c]) => c)));
        }),
      release: () => {
        this.held = undefined;
        for (const [client, chunk] of held.chunks) client.write(chunk);
      },
    };
  }

  static async forUrl(url: string): Promise<{ proxy: TcpProxy; url: string }> {
    const parsed = new URL(url);
    const proxy = new TcpProxy(parsed.hostname, Number(parsed.port || (parsed.protocol.startsWith('redis') ? 6379 : 5432)));
    await proxy.listen();
    parsed.hostname = '127.0.0.1';
    parsed.port = String(proxy.port);
    return { proxy, url: parsed.toString() };
  }

  listen(): Promise<void> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      }),
    );
  }

  /** Drops every connection and refuses new ones: the dependency is down. */
  cut() {
    this.up = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore() {
    this.up = true;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A Redis client that reaches `url` through a TcpProxy, connected (ready) when returned; its
 * connection errors, which a test that cuts the proxy causes, are ignored.
 */
export async function proxiedRedis(url: string, options: RedisOptions = {}): Promise<{ proxy: TcpProxy; redis: Redis; close(): Promise<void> }> {
  const { proxy, url: proxied } = await TcpProxy.forUrl(url);
  const redis = new Redis(proxied, options);
  redis.on('error', () => undefined);
  await new Promise((resolve) => redis.once('ready', resolve));
  return {
    proxy,
    redis,
    close: async () => {
      redis.disconnect();
      await proxy.close();
    },
  };
}
