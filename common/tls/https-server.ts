// The HTTPS listener both kinds of server run (gateway and province subgraph): mutual TLS with the
// project's hardening (common/tls/server-options.ts), the secure context re-read when its files
// change or on demand (rotation without restart), and a draining close.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FileChangeWatcher } from './file-change-watcher.js';
import { TLS_SERVER_HARDENING } from './server-options.js';

export interface SecureContextFiles {
  key: Buffer;
  cert: Buffer;
  ca: Buffer | Buffer[];
}

export interface HttpsServerOptions {
  /** Reads the key, certificate and client CAs; called at start and on every reload. */
  secureContext: () => SecureContextFiles;
  /**
   * true: the TLS layer refuses unverified clients (a subgraph: only the gateway may connect).
   * false: the handshake finishes and the application explains and records the refusal (the gateway).
   */
  rejectUnauthorized: boolean;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  host: string;
  port: number;
  /** Files whose change triggers a reload (besides an explicit `reloadTls()`). */
  watch: string[];
  /** Runs before the new secure context is set (re-read pins, trust stores, client pools); may throw. */
  beforeReload?: () => void;
  onReload?: (err: Error | null) => void;
  /** How long in-flight requests may take to finish on close before connections are cut. */
  drainMs?: number;
}

export interface RunningHttpsServer {
  server: https.Server;
  port: number;
  /** Re-read the TLS files now; a half-written file keeps the previous context in force. */
  reloadTls(): void;
  /** Stop accepting, let in-flight requests finish (bounded by `drainMs`), close the rest. */
  close(): Promise<void>;
}

export async function startHttpsServer(opts: HttpsServerOptions): Promise<RunningHttpsServer> {
  const server = https.createServer(
    { ...opts.secureContext(), requestCert: true, rejectUnauthorized: opts.rejectUnauthorized, ...TLS_SERVER_HARDENING },
    opts.handler,
  );
  const reloadTls = () => {
    try {
      opts.beforeReload?.();
      server.setSecureContext({ ...opts.secureContext(), ...TLS_SERVER_HARDENING });
      opts.onReload?.(null);
    } catch (err) {
      // A file mid-replacement must not take the listener down: keep serving with the old context.
      opts.onReload?.(err as Error);
    }
  };
  const watcher = new FileChangeWatcher([...new Set(opts.watch)], reloadTls);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    reloadTls,
    async close() {
      watcher.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), opts.drainMs ?? 10_000);
      await closed;
      clearTimeout(timer);
    },
  };
}
