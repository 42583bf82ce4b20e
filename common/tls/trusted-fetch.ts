// GET a document (an IdP's JWKS, a province's CRL) over HTTPS trusting only the CA configured for
// it, never the system store, within a time and size bound. What the answer means is the caller's
// business; this only says whether a whole 200 body arrived.
import { Agent, request } from 'undici';

export type FetchResult = { ok: true; body: Buffer } | { ok: false; unreachable: boolean; message: string };

export class TrustedFetch {
  private readonly dispatcher: Agent;

  constructor(
    readonly url: string,
    ca: Buffer | string | undefined,
    private readonly timeoutMs: number,
    private readonly maxBytes: number,
  ) {
    if (!url.startsWith('https://')) throw new Error(`${url}: only https:// URLs are fetched`);
    this.dispatcher = new Agent({ connect: { ca }, keepAliveTimeout: 10_000 });
  }

  /** `unreachable`: no answer or not 200 (try again later); otherwise the answer was too large. */
  async get(accept: string): Promise<FetchResult> {
    try {
      const res = await request(this.url, { dispatcher: this.dispatcher, signal: AbortSignal.timeout(this.timeoutMs), headers: { accept } });
      if (res.statusCode !== 200) {
        await res.body.dump();
        return { ok: false, unreachable: true, message: `HTTP ${res.statusCode}` };
      }
      const declared = Number(res.headers['content-length']);
      if (declared > this.maxBytes) {
        await res.body.dump();
        return { ok: false, unreachable: false, message: `response of ${declared} bytes is over ${this.maxBytes}` };
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > this.maxBytes) {
          res.body.destroy();
          return { ok: false, unreachable: false, message: `response is over ${this.maxBytes} bytes` };
        }
        chunks.push(chunk as Buffer);
      }
      return { ok: true, body: Buffer.concat(chunks) };
    } catch (err) {
      return { ok: false, unreachable: true, message: `unreachable (${(err as Error).message})` };
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
