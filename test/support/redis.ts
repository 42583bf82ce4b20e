// The real Redis the rate-limit tests share (127.0.0.1:6379, started here if it is down), and a TCP
// proxy in front of it that a test can cut and restore to take Redis away from a gateway.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_PORT = 6379;

async function pings(): Promise<boolean> {
  const r = new Redis({
    port: REDIS_PORT,
    host: '127.0.0.1',
    lazyConnect: true,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Makes sure the Redis on 127.0.0.1:6379 answers (starts a throwaway one, no persistence, if not). */
export async function ensureRedis(): Promise<void> {
  if (await pings()) return;
  execFileSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(REDIS_PORT), '--save', '', '--appendonly', 'no']);
  for (let i = 0; i < 50; i++) {
    if (await pings()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server did not start on 127.0.0.1:6379');
}

/** A key prefix of its own, so that parallel runs (and earlier ones) never share a budget. */
export function testKeyPrefix(name: string): string {
  return `chuanyu-test:${name}:${randomUUID()}:`;
}

/** Deletes every key under a prefix (the test's own). */
export async function deleteKeys(prefix: string): Promise<void> {
  const r = new Redis({ port: REDIS_PORT, host: '127.0.0.1' });
  try {
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
  } finally {
    r.disconnect();
  }
}

export interface TcpProxy {
  port: number;
  url: string;
  /** Refuses new connections and resets the open ones: Redis is gone for whoever uses the proxy. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy on a free localhost port to Redis. */
export async function redisProxy(): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const makeServer = () =>
    net.createServer((client) => {
      const upstream = net.connect(REDIS_PORT, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
  let server = makeServer();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  const port = await listen(0);
  const stop = async () => {
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.resetAndDestroy();
    await closed;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    cut: stop,
    async restore() {
      server = makeServer();
      await listen(port);
    },
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}
