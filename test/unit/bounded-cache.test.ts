import { strict as assert } from 'node:assert';
import { BoundedCache } from '../../common/bounded-cache.js';

describe('BoundedCache', () => {
  it('returns a value until it expires', () => {
    const c = new BoundedCache<number>(10);
    c.set('a', 1, 1000);
    assert.equal(c.get('a', 999), 1);
    assert.equal(c.get('a', 1000), undefined);
    assert.equal(c.size, 0);
  });
  it('evicts the least recently used entry when full', () => {
    const c = new BoundedCache<number>(2);
    c.set('a', 1, 1e15);
    c.set('b', 2, 1e15);
    c.get('a');
    c.set('c', 3, 1e15);
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('a'), 1);
    assert.equal(c.get('c'), 3);
  });
  it('hands every entry that leaves to onEvict: evicted, expired, replaced or cleared', () => {
    const gone: string[] = [];
    const c = new BoundedCache<number>(2, (v, k) => gone.push(`${k}=${v}`));
    c.set('a', 1);
    c.set('b', 2, 1000);
    c.set('a', 1); // the same value again: still held, not handed over
    c.set('c', 3); // full: b is the least recently used
    assert.deepEqual(gone, ['b=2']);
    c.set('a', 4); // replaced
    assert.deepEqual(gone, ['b=2', 'a=1']);
    c.set('d', 5, 1000);
    assert.equal(c.get('d', 2000), undefined); // expired
    c.clear();
    assert.deepEqual(gone, ['b=2', 'a=1', 'c=3', 'd=5', 'a=4']);
    assert.equal(c.size, 0);
  });
});
