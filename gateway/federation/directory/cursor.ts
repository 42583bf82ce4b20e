// Directory cursors: an opaque, integrity-protected keyset position (name, id) tied to the
// query it came from. A cursor that was altered, or reused with another search or filter,
// is refused instead of silently paging through something else.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SortKey } from '../../../common/order.js';

export class CursorError extends Error {}

export class CursorCodec {
  constructor(private readonly key: Buffer) {}

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 22);
  }

  encode(position: SortKey, queryFingerprint: string): string {
    const body = Buffer.from(JSON.stringify({ v: 1, n: position.name, i: position.id, q: queryFingerprint })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  decode(cursor: string, queryFingerprint: string): SortKey {
    if (cursor.length > 1024) throw new CursorError('cursor is too long');
    const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/.exec(cursor);
    if (!m) throw new CursorError('cursor is malformed');
    const expected = Buffer.from(this.mac(m[1]!));
    const given = Buffer.from(m[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new CursorError('cursor was altered or was issued by another deployment');
    }
    let body: { v?: unknown; n?: unknown; i?: unknown; q?: unknown };
    try {
      body = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
    } catch {
      throw new CursorError('cursor is malformed');
    }
    if (body.v !== 1 || typeof body.n !== 'string' || typeof body.i !== 'string') throw new CursorError('cursor is malformed');
    if (body.q !== queryFingerprint) throw new CursorError('cursor belongs to a different search or filter');
    return { name: body.n, id: body.i };
  }
}
