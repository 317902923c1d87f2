// The messages between `basalt dev` and its children, over their IPC channel.

/** Child → runner: loaded Basalt, waiting for {@link DEV_GO}. */
export const DEV_STANDBY = 'basalt:dev-standby';
/** Runner → child: import and create the app now. */
export const DEV_GO = 'basalt:dev-go';
/** Child → runner: the app is created, waiting for {@link DEV_LISTEN}. */
export const DEV_PREPARED = 'basalt:dev-prepared';
/** Runner → child: the previous child is gone (the port is free): listen. */
export const DEV_LISTEN = 'basalt:dev-listen';
/** Child → runner: the app listens (the next standby may start loading). */
export const DEV_READY = 'basalt:dev-ready';
