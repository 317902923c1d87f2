/**
 * Which database handle requests of an app use, when not the app's own: `basalt/testing`
 * points it at a transaction that is rolled back after each test.
 */
const overrides = new WeakMap<object, unknown>();

/** Routes the app's requests to `executor` (or back to the app's database with `undefined`). */
export function setRequestDatabase(app: object, executor: unknown): void {
  if (executor === undefined) overrides.delete(app);
  else overrides.set(app, executor);
}

/** The handle requests of `app` should use, if overridden. */
export function requestDatabase(app: object): unknown {
  return overrides.get(app);
}
