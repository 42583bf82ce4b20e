import { strict as assert } from 'node:assert';
import { CircuitBreaker, type BreakerState } from '../../common/circuit-breaker.js';

describe('circuit breaker', () => {
  let t = 0;
  const changes: BreakerState[] = [];
  const make = () => new CircuitBreaker({ failureThreshold: 3, openMs: 1000, now: () => t, onStateChange: (s) => changes.push(s) });
  beforeEach(() => {
    t = 0;
    changes.length = 0;
  });

  it('stays closed below the threshold, and a success resets the count', () => {
    const b = make();
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    assert.equal(b.state, 'closed');
    assert.ok(b.allow());
  });

  it('opens after consecutive failures and fails fast', () => {
    const b = make();
    for (let i = 0; i < 3; i++) b.failure();
    assert.equal(b.state, 'open');
    assert.equal(b.allow(), false);
  });

  it('half-opens after the open period with exactly one trial; success closes it', () => {
    const b = make();
    for (let i = 0; i < 3; i++) b.failure();
    t = 1000;
    assert.equal(b.state, 'half_open');
    assert.equal(b.allow(), true);
    assert.equal(b.allow(), false, 'a second concurrent trial is refused');
    b.success();
    assert.equal(b.state, 'closed');
    assert.deepEqual(changes, ['open', 'half_open', 'closed']);
  });

  it('a failed trial opens it again for a full period', () => {
    const b = make();
    for (let i = 0; i < 3; i++) b.failure();
    t = 1500;
    assert.ok(b.allow());
    b.failure();
    assert.equal(b.state, 'open');
    t = 2400;
    assert.equal(b.state, 'open');
    t = 2500;
    assert.equal(b.state, 'half_open');
  });
});
