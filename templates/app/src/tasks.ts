import { t } from 'basalt';
import { defineTask } from 'basalt/jobs';
import { Note } from './models.js';

/**
 * Runs in a worker (`npm run worker`) once a note is created: counts its words. Retried with
 * backoff when it throws; enqueue it with `ctx.jobs.enqueue(noteCreated, { noteId })`.
 */
export const noteCreated = defineTask(
  'note-created',
  { input: t.Object({ noteId: t.Integer({ minimum: 1 }) }), retries: 3 },
  async ({ input, db, log }) => {
    const note = await db.get(Note, input.noteId);
    const words = note.body.split(/\s+/).filter(Boolean).length;
    log.info({ noteId: note.id, words }, `note ${note.id} has ${words} word(s)`);
    return { words };
  },
);
