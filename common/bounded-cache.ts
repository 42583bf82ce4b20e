// The one bounded cache of the project: at most `maxEntries` entries, least recently used evicted
// first (Map insertion order), each entry optionally valid only until a known instant. Verified
// tokens live until their `exp`, signed caller assertions until shortly before theirs; parsed
// planner operations and store facet counts until evicted (or the cache is cleared).
export class BoundedCache<V> {
  private readonly map = new Map<string, { value: V; expiresAt: number }>();

  constructor(private readonly maxEntries: number) {}

  get(key: string, now = Date.now()): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= now) {
      this.map.delete(key);
      return undefined;
    }
    // Refresh recency.
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  /** `expiresAt` (epoch ms): omitted, the entry stays until evicted. */
  set(key: string, value: V, expiresAt = Number.POSITIVE_INFINITY): void {
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.maxEntries) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, { value, expiresAt });
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
