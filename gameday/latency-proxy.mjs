// A TCP proxy between every VisAPI process and Redis. Normally it only relays; for scenario 6 it
// delays each chunk by a random 20–50 ms in both directions (order kept on each connection, as
// a slow network keeps it). While Redis is down it stops listening, so a client sees a refused
// connection as it would without the proxy, not a connection that opens and closes.
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export class LatencyProxy {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.port = 0;
    this.delay = undefined;
    this.sockets = new Set();
    this.server = undefined;
  }

  /** Delay every chunk by min..max ms (undefined: none). */
  setDelay(range) {
    this.delay = range;
  }

  async start() {
    this.server = net.createServer((client) => this.relay(client));
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.port = this.server.address().port;
        resolve();
      });
    });
  }

  /** Stops listening and cuts every connection: to the clients, Redis is gone. */
  async stop() {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((r) => server.close(r));
  }

  relay(client) {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => {
        this.sockets.delete(socket);
        (socket === client ? upstream : client).destroy();
      });
      socket.on('error', () => socket.destroy());
    }
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  /** One queue per direction: chunks leave in the order they came, none before its time. */
  pipe(from, to) {
    const queue = [];
    let timer;
    const flush = () => {
      timer = undefined;
      while (queue.length && queue[0].at <= Date.now()) {
        const { chunk } = queue.shift();
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length) timer = setTimeout(flush, queue[0].at - Date.now());
    };
    from.on('data', (chunk) => {
      const [min, max] = this.delay ?? [0, 0];
      const at = Math.max(Date.now() + min + Math.random() * (max - min), queue.at(-1)?.at ?? 0);
      queue.push({ at, chunk });
      if (!timer) flush();
    });
  }
}

/** The proxy in a child process, driven over IPC: the same start/stop/setDelay. */
export class LatencyProxyProcess {
  constructor(targetPort) {
    this.child = fork(fileURLToPath(import.meta.url), [String(targetPort)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.port = 0;
    this.calls = 0;
  }

  call(message) {
    const id = ++this.calls;
    return new Promise((resolve, reject) => {
      const onMessage = (reply) => {
        if (reply.id !== id) return;
        this.child.off('message', onMessage);
        if (reply.error) reject(new Error(reply.error));
        else resolve(reply);
      };
      this.child.on('message', onMessage);
      this.child.send({ ...message, id });
    });
  }

  async start() {
    this.port = (await this.call({ cmd: 'start' })).port;
  }

  async stop() {
    await this.call({ cmd: 'stop' });
  }

  async setDelay(range) {
    await this.call({ cmd: 'delay', range });
  }

  kill() {
    this.child.kill('SIGKILL');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  const proxy = new LatencyProxy(Number(process.argv[2]));
  // The parent gone (even SIGKILLed): so are we.
  process.on('disconnect', () => process.exit(0));
  process.on('message', async ({ id, cmd, range }) => {
    try {
      if (cmd === 'start') await proxy.start();
      else if (cmd === 'stop') await proxy.stop();
      else if (cmd === 'delay') proxy.setDelay(range ?? undefined);
      process.send({ id, port: proxy.port });
    } catch (error) {
      process.send({ id, error: error.message });
    }
  });
}
