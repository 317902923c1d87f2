// The app `npm run bench:capacity` drains jobs with: one no-op task (auth() because the jobs
// module's staff API needs an authentication).
import { defineApp, t } from 'basalt';
import { auth } from 'basalt/auth';
import { defineTask, jobs } from 'basalt/jobs';

export const noop = defineTask('capacity-noop', { input: t.Object({ n: t.Integer() }) }, () => null);

export default defineApp({ name: 'capacity-jobs', modules: [auth(), jobs({ tasks: [noop] })], routes: [] });
