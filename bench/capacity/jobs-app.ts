// The app `npm run bench:capacity` drains jobs with: one no-op task, nothing else.
import { defineApp, t } from 'basalt';
import { defineTask, jobs } from 'basalt/jobs';

export const noop = defineTask('capacity-noop', { input: t.Object({ n: t.Integer() }) }, () => null);

export default defineApp({ name: 'capacity-jobs', modules: [jobs({ tasks: [noop] })], routes: [] });
