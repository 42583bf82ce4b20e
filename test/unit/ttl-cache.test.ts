import { strict as assert } from 'node:assert';
import { TtlCache } from '../../common/ttl-cache.js';

describe('TtlCache', () => {
  it('returns a value until it expires', () => {
    const c = new TtlCache<number>(10);
    c.set('a', 1, 1000);
    assert.equal(c.get('a', 999), 1);
    assert.equal(c.get('a', 1000), undefined);
    assert.equal(c.size, 0);
  });
  it('evicts the least recently used entry when full', () => {
    const c = new TtlCache<number>(2);
    c.set('a', 1, 1e15);
    c.set('b', 2, 1e15);
    c.get('a');
    c.set('c', 3, 1e15);
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('a'), 1);
    assert.equal(c.get('c'), 3);
  });
});
