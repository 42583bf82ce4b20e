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
});
