import { isBasaltError, type Logger } from '../core/index.js';
import { unavailableService } from '../internal/service-errors.js';
import type { Jobs } from './jobs.js';
import type { AnySchedule } from './schedule.js';

/** A running scheduler. */
export interface Scheduler {
  stop(): Promise<void>;
}

/** How often a tick the unreachable queue refused is tried again, ms. */
const TICK_RETRY_MS = 1000;

/** The idempotency key of one tick of a schedule: what makes a tick enqueue one job. */
export function tickKey(schedule: AnySchedule, tick: Date): string {
  return `schedule:${schedule.name}@${tick.toISOString()}`;
}

/**
 * Starts enqueueing the jobs of `schedules` at their ticks. Any number of schedulers may run
 * (no single point of failure): each tick's job carries the tick as its idempotency key, so
 * the backend keeps exactly one of them. On start, up to `catchUp` ticks missed while no
 * scheduler ran are enqueued once each.
 *
 * @example
 * const scheduler = createScheduler(jobs, [nightlyReport], { log });
 */
export function createScheduler(
  jobs: Jobs,
  schedules: readonly AnySchedule[],
  options: { log: Logger },
): Scheduler {
  const { log } = options;
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const names = new Set<string>();
  for (const schedule of schedules) {
    if (names.has(schedule.name)) throw new TypeError(`Two schedules are named '${schedule.name}'`);
    names.add(schedule.name);
  }

  async function fire(schedule: AnySchedule, tick: Date): Promise<void> {
    const job = await jobs.enqueue(schedule.task, schedule.input, {
      idempotencyKey: tickKey(schedule, tick),
      runAt: tick,
    });
    await jobs.backend.recordTick(schedule.name, tick);
    log.debug({ schedule: schedule.name, tick: tick.toISOString(), job: job.id }, 'schedule tick');
  }

  /** Resolves after `ms`, unless the scheduler stops first (then never: nothing is left to do). */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  /**
   * Fires `tick`, retrying while the queue is unreachable (an outage refuses enqueues at once
   * rather than holding them): the job is enqueued once the queue answers again. A newer tick
   * that falls due meanwhile replaces it, as after a sleep: no burst. Retries are safe, each
   * tick's job has its own idempotency key. Resolves with the tick that was fired.
   */
  async function fireUntilDone(schedule: AnySchedule, first: Date): Promise<Date> {
    let tick = first;
    for (let attempt = 1; ; attempt++) {
      try {
        await fire(schedule, tick);
        if (attempt > 1)
          log.info({ schedule: schedule.name, tick: tick.toISOString(), attempt }, 'schedule tick enqueued');
        return tick;
      } catch (error) {
        const outage =
          (isBasaltError(error) && error.status === 503) || unavailableService(error) !== undefined;
        if (!outage) {
          log.error({ err: error, schedule: schedule.name }, 'schedule tick failed');
          return tick;
        }
        if (attempt === 1)
          log.error(
            { err: error, schedule: schedule.name, tick: tick.toISOString() },
            'schedule tick refused: the queue is unreachable; retrying every second',
          );
      }
      await pause(TICK_RETRY_MS);
      if (stopped) return tick;
      const latest = schedule.previous(1, new Date(Date.now() + 1))[0];
      if (latest && latest.getTime() > tick.getTime()) tick = latest;
    }
  }

  function arm(schedule: AnySchedule, after: Date): void {
    if (stopped) return;
    let next = schedule.next(after);
    if (!next) return;
    // Asleep past several ticks (a suspended process): go to the latest due one, no burst.
    const now = new Date();
    if (next.getTime() < now.getTime()) next = schedule.previous(1, new Date(now.getTime() + 1))[0] ?? next;
    const tick = next;
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        void fireUntilDone(schedule, tick).then((fired) => arm(schedule, fired));
      },
      Math.max(0, tick.getTime() - Date.now()),
    );
    timers.add(timer);
  }

  async function begin(schedule: AnySchedule): Promise<void> {
    const now = new Date();
    const [latest] = schedule.previous(1, now);
    if (schedule.catchUp > 0 && latest) {
      const last = await jobs.backend.recordTick(schedule.name, latest);
      // Only ticks after the last one enqueued; nothing on a first start ever.
      const missed = last
        ? schedule.previous(schedule.catchUp, now).filter((tick) => tick.getTime() > last.getTime())
        : [];
      for (const tick of missed.reverse()) await fire(schedule, tick);
      if (missed.length > 0)
        log.info({ schedule: schedule.name, enqueued: missed.length }, 'missed ticks caught up');
    } else if (latest) await jobs.backend.recordTick(schedule.name, latest);
    arm(schedule, now);
  }

  const starting = Promise.all(
    schedules.map((schedule) =>
      begin(schedule).catch((error: unknown) => {
        log.error({ err: error, schedule: schedule.name }, 'schedule could not start');
        arm(schedule, new Date());
      }),
    ),
  );
  log.info({ schedules: schedules.map((s) => s.name) }, 'scheduler started');
  return {
    async stop() {
      stopped = true;
      await starting;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
