import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './processes';

const run = promisify(execFile);

interface ClusterNode {
  port: number;
  busPort: number;
  dir: string;
  child: ChildProcess;
}

/**
 * A Redis Cluster of real redis-server processes on loopback (masters × (1 + replicas)), each in
 * its own temporary directory with AOF on, made with `redis-cli --cluster create`. The bus
 * ports are chosen too (`cluster-port`): port + 10000 may not be free, or may not exist.
 */
export class RedisClusterFixture {
  private readonly nodes: ClusterNode[] = [];
  private readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-cluster-'));

  /** `password`: every node requires it (requirepass), replicas included (masterauth). */
  constructor(
    private readonly nodeTimeoutMs = 1_000,
    private readonly password?: string,
  ) {}

  /** `host:port,...` of every node: what REDIS_CLUSTER_NODES takes. */
  get seeds(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  /** Starts the nodes and makes the cluster; on failure stops whatever was started, then throws. */
  async start(masters = 3, replicas = 1): Promise<this> {
    try {
      await this.create(masters, replicas);
    } catch (error) {
      await this.stop();
      throw error;
    }
    return this;
  }

  private async create(masters: number, replicas: number): Promise<void> {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const dir = path.join(this.root, String(i));
      fs.mkdirSync(dir);
      const node = { dir } as ClusterNode;
      this.nodes.push(node);
      await this.startNew(node);
    }
    const create = ['--cluster', 'create', ...this.nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'];
    await run('redis-cli', [...(this.password ? ['--no-auth-warning', '-a', this.password] : []), ...create], { timeout: 30_000 });
    await this.settled();
  }

  /**
   * Starts a new node on ports that were free a moment ago. Between freePort's check and
   * redis-server's bind another process may take one of them; redis-server then exits at once
   * ("Address already in use"): the node is started again on other ports.
   */
  private async startNew(node: ClusterNode): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      node.port = await freePort();
      node.busPort = await freePort();
      if (node.busPort === node.port) continue;
      fs.rmSync(path.join(node.dir, 'redis.log'), { force: true });
      this.spawn(node);
      try {
        await this.answers(node);
        return;
      } catch (error) {
        if (attempt === 3 || node.child.exitCode === null || !this.log(node).includes('Address already in use')) throw error;
      }
    }
  }

  private spawn(node: ClusterNode) {
    // prettier-ignore
    node.child = spawn('redis-server', [
      '--port', String(node.port), '--bind', '127.0.0.1', '--dir', node.dir, '--save', '', '--logfile', 'redis.log',
      '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(node.busPort),
      '--cluster-node-timeout', String(this.nodeTimeoutMs), '--appendonly', 'yes', '--maxmemory-policy', 'noeviction',
      // A replica's first sync starts at once, not after the 5 s Redis waits for more replicas,
      // and its offset moves within a second, not at the master's ping every 10 s (settled()).
      '--repl-diskless-sync-delay', '0', '--repl-ping-replica-period', '1',
      ...(this.password ? ['--requirepass', this.password, '--masterauth', this.password] : []),
    ], { stdio: 'ignore' });
  }

  private log(node: ClusterNode): string {
    try {
      return fs.readFileSync(path.join(node.dir, 'redis.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Resolves once the node answers PING; rejects at once if it exits, saying why (its log's end). */
  private async answers(node: ClusterNode, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (node.child.exitCode !== null || node.child.signalCode !== null) {
        throw new Error(`redis-server on port ${node.port} exited (${node.child.exitCode ?? node.child.signalCode}):\n${this.log(node).trim().split('\n').slice(-5).join('\n')}`);
      }
      try {
        await this.onNode(node.port, (client) => client.ping());
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`redis-server on port ${node.port} did not answer within ${timeoutMs} ms: ${(error as Error).message}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Runs `use` on a connection of its own to one node, closed afterwards: never a connection
   * kept across a node's restart or failover. A node that cannot be reached is named in the error.
   */
  private async onNode<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
    const client = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 5_000, password: this.password });
    client.on('error', () => undefined);
    try {
      await client.connect().catch((error: unknown) => {
        const node = this.nodes.find((n) => n.port === port);
        const state = node?.child.exitCode !== null || node?.child.signalCode !== null ? 'exited' : 'running';
        throw new Error(`could not connect to the Cluster node on port ${port} (${state}): ${(error as Error).message}`, { cause: error });
      });
      return await use(client);
    } finally {
      client.disconnect();
    }
  }

  /**
   * Resolves once every live node says cluster_state:ok, every replica's link to its master is
   * up, and every live node's CLUSTER SLOTS — the map a client such as ioredis builds its node
   * list from — names every live node. Redis 7 leaves a replica out of that reply until its
   * replication offset has reached the node asked, seconds after it attached: a client started
   * before would see its node list change under it while it boots.
   */
  async settled(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const live = this.live();
      const states = await Promise.all(live.map((n) => this.state(n.port).catch((error: unknown) => ({ info: `(${(error as Error).message})`, mapped: 0 }))));
      const ok = states.every(({ info, mapped }) => info.includes('cluster_state:ok') && (!info.includes('role:slave') || info.includes('master_link_status:up')) && mapped === live.length);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`the cluster did not settle:\n${states.map(({ info, mapped }) => `${info}\nnodes in CLUSTER SLOTS: ${mapped} of ${live.length}`).join('\n---\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private state(port: number): Promise<{ info: string; mapped: number }> {
    return this.onNode(port, async (client) => {
      const slots = await client.cluster('SLOTS');
      const mapped = new Set(slots.flatMap(([, , ...nodes]) => nodes.map(([host, nodePort]) => `${host}:${nodePort}`))).size;
      return { info: `${await client.cluster('INFO')}\n${await client.info('replication')}`, mapped };
    });
  }

  /** The ports of the nodes running now. */
  ports(): number[] {
    return this.live().map((n) => n.port);
  }

  private live(): ClusterNode[] {
    return this.nodes.filter((n) => n.child && n.child.exitCode === null && n.child.signalCode === null);
  }

  /** The port of the master serving `slot` now, as a live node sees it. */
  masterOf(slot: number): Promise<number> {
    return this.onNode(this.live()[0]!.port, async (client) => {
      const ranges = await client.cluster('SLOTS');
      const master = ranges.find(([from, to]) => from <= slot && slot <= to)?.[2];
      if (!master) throw new Error(`no node serves slot ${slot}`);
      return master[1];
    });
  }

  /**
   * Client connections per live node (CLIENT LIST, the asking one excluded), keyed by port;
   * with `name`, only those of that name (CLIENT SETNAME, ioredis's connectionName).
   */
  async connections(name?: string): Promise<Record<number, number>> {
    const counts: Record<number, number> = {};
    for (const node of this.live()) {
      counts[node.port] = await this.onNode(node.port, async (client) => {
        const lines = String(await client.client('LIST')).trim().split('\n');
        return name === undefined ? lines.length - 1 : lines.filter((line) => line.split(' ').includes(`name=${name}`)).length;
      });
    }
    return counts;
  }

  async configSet(port: number, name: string, value: string): Promise<void> {
    await this.onNode(port, (client) => client.config('SET', name, value));
  }

  /** CLUSTER KEYSLOT, as the server computes it. */
  keySlot(key: string): Promise<number> {
    return this.onNode(this.live()[0]!.port, async (client) => Number(await client.cluster('KEYSLOT', key)));
  }

  /** The port of a master's replica (waiting up to 5 s for one to be attached). */
  replicaOf(masterPort: number): Promise<number> {
    return this.onNode(masterPort, async (client) => {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const info = await client.info('replication');
        const port = /slave0:ip=[^,]+,port=(\d+)/.exec(info)?.[1];
        if (port) return Number(port);
        if (Date.now() > deadline) throw new Error(`master ${masterPort} has no replica:\n${info}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    });
  }

  async kill(port: number): Promise<void> {
    const node = this.nodes.find((n) => n.port === port)!;
    const exited = new Promise((r) => node.child.once('exit', r));
    node.child.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOP / SIGCONT: a node that stops reading (its replication falls behind) and comes back. */
  pause(port: number, paused: boolean): void {
    this.nodes.find((n) => n.port === port)!.child.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  /** The master closes its replication links (CLIENT KILL TYPE replica): a network cut, seen from the master. */
  async dropReplicas(masterPort: number): Promise<void> {
    await this.onNode(masterPort, (client) => client.call('CLIENT', 'KILL', 'TYPE', 'replica'));
  }

  /** Starts a killed node again on its data (it rejoins, as a replica when it was failed over). */
  async restart(port: number): Promise<void> {
    const node = this.nodes.find((n) => n.port === port)!;
    this.spawn(node);
    await this.answers(node);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.live().map(async (n) => {
        const exited = new Promise((r) => n.child.once('exit', r));
        n.child.kill('SIGKILL');
        await exited;
      }),
    );
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
