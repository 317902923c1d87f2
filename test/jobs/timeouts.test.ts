import { describe, expect, it } from 'vitest';
import { Timeouts } from '../../src/internal/deadlines.js';

/** Resolves once `done()` holds, polled, or rejects after `ms`. */
async function until(done: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('Timeouts (per-job timeouts through one interval per timeout value)', () => {
  it('expires what passed its timeout, not what was cancelled, and holds no timer once idle', async () => {
    const timeouts = new Timeouts();
    const expired: string[] = [];
    const entry = (name: string) => ({ expire: () => expired.push(name) });
    const a = entry('a');
    const b = entry('b');
    const c = entry('c');
    const started = performance.now();
    timeouts.start(a, 100);
    timeouts.start(b, 100);
    timeouts.start(c, 200);
    expect(timeouts.intervals).toBe(2);
    timeouts.cancel(b, 100);
    await until(() => expired.length === 2);
    expect(expired).toEqual(['a', 'c']);
    // Never early: each expired no sooner than its timeout.
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    await until(() => timeouts.intervals === 0);
  });
});
