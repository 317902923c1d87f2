import { isBasaltError } from '../core/index.js';
import { type AnyEndpoint, t } from '../http/index.js';
import type { JobRecord, JobState, Jobs } from '../jobs/index.js';
import type { Actor } from '../ops/index.js';
import { CsrfField, flash, type Html, redirect } from '../views/index.js';
import { adminPage } from './admin-page.js';
import {
  type AdminContext,
  type AdminSite,
  badQuery,
  forbidden,
  href,
  notFound,
  type Row,
  single,
  staffPage,
} from './context.js';
import { Frame } from './layout.js';
import { tr } from './messages.js';

const STATES: readonly JobState[] = ['queued', 'delayed', 'active', 'completed', 'failed', 'cancelled'];
const RETRYABLE = new Set<JobState>(['failed', 'cancelled']);
const CANCELLABLE = new Set<JobState>(['queued', 'delayed', 'active']);
const PAGE = 50;
const NAME = /^[\w.:-]{1,200}$/;

function jobsOf(ctx: AdminContext): Jobs | undefined {
  return (ctx as { jobs?: { client: Jobs } }).jobs?.client;
}

/** Retrying and cancelling change jobs: the `change_basaltjob` permission (a superuser holds it). */
async function mayAct(actor: Actor): Promise<boolean> {
  return actor.kind === 'system' || (await actor.hasPermission('change_basaltjob'));
}

async function jobsPage(site: AdminSite, ctx: AdminContext, actor: Actor): Promise<Html> {
  const client = jobsOf(ctx);
  const query = ctx.request.query as Row;
  for (const name of Object.keys(query))
    if (!['state', 'task', 'queue'].includes(name)) throw badQuery(name, 'is not a filter of the jobs page');
  const state = single(query, 'state');
  const task = single(query, 'task');
  const queue = single(query, 'queue');
  if (state && !STATES.includes(state as JobState))
    throw badQuery('state', `must be one of ${STATES.join(', ')}`);
  if (task && !NAME.test(task)) throw badQuery('task', 'is not a task name');
  if (queue && !NAME.test(queue)) throw badQuery('queue', 'is not a queue name');
  const base = `${site.prefix}/jobs/`;
  const t = tr(ctx.view);
  const frame = (children: Html) => (
    <Frame
      view={ctx.view}
      prefix={site.prefix}
      siteTitle={site.title}
      title={t.t('admin.jobs.title')}
      crumbs={[
        [t.t('admin.home'), `${site.prefix}/`],
        [t.t('admin.jobs.title'), null],
      ]}
    >
      {children}
    </Frame>
  );
  if (!client) return frame(<p>{t.t('admin.jobs.none')}</p>);
  const [counts, list, act] = await Promise.all([
    client.counts(),
    client.list({
      ...(state ? { state: state as JobState } : {}),
      ...(task ? { task } : {}),
      ...(queue ? { queue } : {}),
      limit: PAGE,
    }),
    mayAct(actor),
  ]);
  const current = { state, task, queue };
  const button = (job: JobRecord, verb: 'retry' | 'cancel', label: string) => (
    <form method="post" action={`${base}${encodeURIComponent(job.id)}/${verb}`} class="inline-form">
      <CsrfField view={ctx.view} />
      <button type="submit">{label}</button>
    </form>
  );
  return frame(
    <>
      <nav class="filters" aria-label={t.t('admin.jobs.states')}>
        <a href={href(base, { ...current, state: undefined })} aria-current={state ? undefined : 'page'}>
          {t.t('admin.jobs.all', { count: STATES.reduce((n, s) => n + counts[s], 0) })}
        </a>
        {STATES.map((s) => (
          <a href={href(base, { ...current, state: s })} aria-current={state === s ? 'page' : undefined}>
            {t.t('admin.jobs.stateCount', { label: t.t('admin.jobs.state', { state: s }), count: counts[s] })}
          </a>
        ))}
      </nav>
      <form method="get" action={base} class="filters">
        {state ? <input type="hidden" name="state" value={state} /> : null}
        <label for="id_task">{t.t('admin.jobs.task')}</label>
        <input type="text" id="id_task" name="task" value={task ?? ''} />
        <label for="id_queue">{t.t('admin.jobs.queue')}</label>
        <input type="text" id="id_queue" name="queue" value={queue ?? ''} />
        <button type="submit">{t.t('admin.apply')}</button>
      </form>
      <table>
        <thead>
          <tr>
            <th scope="col">{t.t('admin.jobs.job')}</th>
            <th scope="col">{t.t('admin.jobs.task')}</th>
            <th scope="col">{t.t('admin.jobs.queue')}</th>
            <th scope="col">{t.t('admin.jobs.stateColumn')}</th>
            <th scope="col">{t.t('admin.jobs.attempts')}</th>
            <th scope="col">{t.t('admin.jobs.enqueued')}</th>
            <th scope="col">{t.t('admin.jobs.error')}</th>
            {act ? <th scope="col">{t.t('admin.jobs.actions')}</th> : null}
          </tr>
        </thead>
        <tbody>
          {list.map((job) => (
            <tr>
              <td>{job.id}</td>
              <td>{job.task}</td>
              <td>{job.queue}</td>
              <td>{t.t('admin.jobs.state', { state: job.state })}</td>
              <td>{`${job.attempts}/${job.maxAttempts}`}</td>
              <td>
                <time datetime={job.enqueuedAt.toISOString()}>{ctx.view.i18n.dateTime(job.enqueuedAt)}</time>
              </td>
              <td>{job.error ? job.error.slice(0, 200) : ''}</td>
              {act ? (
                <td>
                  {RETRYABLE.has(job.state) ? button(job, 'retry', t.t('admin.jobs.retry')) : null}
                  {CANCELLABLE.has(job.state) ? button(job, 'cancel', t.t('admin.jobs.cancel')) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {list.length === 0 ? <p>{t.t('admin.jobs.empty')}</p> : null}
      {list.length === PAGE ? <p class="help">{t.t('admin.jobs.newest', { count: PAGE })}</p> : null}
      {site.schedules.length > 0 ? (
        <section aria-labelledby="schedules">
          <h2 id="schedules">{t.t('admin.jobs.scheduled')}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.t('admin.jobs.task')}</th>
                <th scope="col">{t.t('admin.jobs.schedule')}</th>
                <th scope="col">{t.t('admin.jobs.next')}</th>
                {act ? <th scope="col">{t.t('admin.jobs.actions')}</th> : null}
              </tr>
            </thead>
            <tbody>
              {site.schedules.map((schedule) => {
                const next = schedule.next(new Date());
                return (
                  <tr>
                    <td>{schedule.task.name}</td>
                    <td>
                      <code>{schedule.cron}</code> {schedule.timezone}
                    </td>
                    <td>{next ? <time datetime={next.toISOString()}>{t.dateTime(next)}</time> : '—'}</td>
                    {act ? (
                      <td>
                        <form method="post" action={`${base}run`} class="inline-form">
                          <CsrfField view={ctx.view} />
                          <input type="hidden" name="schedule" value={schedule.name} />
                          <button type="submit">{t.t('admin.jobs.runNow')}</button>
                        </form>
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      ) : null}
    </>,
  );
}

/**
 * The jobs page (`/admin/jobs/`): counts per state, the newest jobs by state, task and queue,
 * and (with `change_basaltjob`) retry of a failed or cancelled job and cancel of a waiting or
 * running one, through the app's jobs client.
 */
export function jobsPages(site: AdminSite): AnyEndpoint[] {
  const base = `${site.prefix}/jobs`;
  const act = (verb: 'retry' | 'cancel') =>
    adminPage(
      `${base}/:id/${verb}`,
      { method: 'POST', form: t.Object({}), summary: `Admin job ${verb}` },
      staffPage(site, async (ctx, actor) => {
        if (!(await mayAct(actor))) throw forbidden('You may not change jobs');
        const client = jobsOf(ctx);
        if (!client) throw forbidden('This app has no job queue');
        const id = ctx.params.id ?? '';
        try {
          if (verb === 'retry') await client.retry(id);
          else await client.cancel(id);
        } catch (error) {
          if (!isBasaltError(error) || error.status >= 500) throw error;
          await flash(ctx as never, error.message, 'error');
          return redirect(`${base}/`);
        }
        await flash(
          ctx as never,
          tr(ctx.view).t(verb === 'retry' ? 'admin.jobs.retried' : 'admin.jobs.cancelled', { id }),
          'success',
        );
        return redirect(`${base}/`);
      }) as never,
    ) as AnyEndpoint;
  const runNow = adminPage(
    `${base}/run`,
    {
      method: 'POST',
      form: t.Object({ schedule: t.String({ maxLength: 400 }) }),
      summary: 'Admin run a schedule now',
    },
    staffPage(site, async (ctx, actor) => {
      if (!(await mayAct(actor))) throw forbidden('You may not change jobs');
      const client = jobsOf(ctx);
      if (!client) throw forbidden('This app has no job queue');
      if (!ctx.form!.valid) throw badQuery('schedule', 'is not a schedule name');
      const name = String((ctx.form!.data as { schedule: string }).schedule);
      const schedule = site.schedules.find((s) => s.name === name);
      if (!schedule) throw notFound(`There is no schedule '${name}'`);
      // One job of the schedule's task and input, now; the schedule's own ticks are untouched.
      const job = await client.enqueue(schedule.task, schedule.input);
      await flash(
        ctx as never,
        tr(ctx.view).t('admin.jobs.ran', { task: schedule.task.name, id: String(job.id) }),
        'success',
      );
      return redirect(`${base}/`);
    }) as never,
  ) as AnyEndpoint;
  return [
    runNow,
    adminPage(
      `${base}/`,
      { summary: 'Admin jobs' },
      staffPage(site, (ctx, actor) => jobsPage(site, ctx, actor)) as never,
    ) as AnyEndpoint,
    act('retry'),
    act('cancel'),
  ];
}
