import { describe, expect, it } from 'vitest';
import { CrashGuard } from '../../src/server/crash-guard.js';

describe('CrashGuard', () => {
  it('restarts with a growing delay, then gives up after 5 crashes within 10 seconds', () => {
    const guard = new CrashGuard();
    const decisions = [0, 1_000, 2_000, 3_000].map((at) => guard.record(at));
    expect(decisions).toEqual([
      { restart: true, delayMs: 100 },
      { restart: true, delayMs: 200 },
      { restart: true, delayMs: 400 },
      { restart: true, delayMs: 800 },
    ]);
    expect(guard.record(4_000)).toEqual({ restart: false, crashes: 5, windowMs: 10_000 });
  });

  it('forgets crashes older than the window', () => {
    const guard = new CrashGuard({ maxCrashes: 2, windowMs: 1_000 });
    expect(guard.record(0)).toMatchObject({ restart: true });
    expect(guard.record(5_000)).toEqual({ restart: true, delayMs: 100 });
    expect(guard.record(5_500)).toMatchObject({ restart: false });
  });
});
