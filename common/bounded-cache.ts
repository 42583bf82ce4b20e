// The one bounded cache of the project: at most `maxEntries` entries, least recently used evicted
// first (Map insertion order), each entry optionally valid only until a known instant. Verified
// tokens live until their `exp`, signed caller assertions until shortly before theirs; parsed
// planner operations and store facet counts until evicted (or the cache is cleared). An entry that
// holds a resource (a store's table of search matches) is handed to `onEvict` whenever it leaves.
export class BoundedCache<V> {
  private readonly map = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly onEvict?: (value: V, key: string) => void,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= now) {
      this.map.delete(key);
      this.onEvict?.(hit.value, key);
      return undefined;
    }
    // Refresh recency.
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  /** `expiresAt` (epoch ms): omitted, the entry stays until evicted. */
  set(key: string, value: V, expiresAt = Number.POSITIVE_INFINITY): void {
    const old = this.map.get(key);
    if (old) {
      this.map.delete(key);
      if (old.value !== value) this.onEvict?.(old.value, key);
    } else if (this.map.size >= this.maxEntries) {
      const [oldestKey, oldest] = this.map.entries().next().value!;
      this.map.delete(oldestKey);
      this.onEvict?.(oldest.value, oldestKey);
    }
    this.map.set(key, { value, expiresAt });
  }

  clear(): void {
    const all = this.onEvict ? [...this.map] : [];
    this.map.clear();
    for (const [key, { value }] of all) this.onEvict!(value, key);
  }

  get size(): number {
    return this.map.size;
  }
}
