/** How serious a check's finding is. Errors stop `basalt start` and make `basalt check` exit 1. */
export type CheckLevel = 'error' | 'warning' | 'info';

/** One finding of a start-up check, with a stable id such as `core.E001`. */
export interface CheckMessage {
  id: string;
  level: CheckLevel;
  message: string;
  hint?: string;
}

/** A start-up check (Django's system checks): inspects the app and reports findings. */
export interface Check<Target> {
  /** A name for listings, e.g. `core.secret-key`. */
  name: string;
  /** Whether it needs live services (database, Redis); such checks run only when asked to. */
  deploy?: boolean;
  run(target: Target): CheckMessage[] | Promise<CheckMessage[]>;
}

/** Runs checks one after another; a check that throws is reported as an error, not a crash. */
export async function runChecks<Target>(
  checks: readonly Check<Target>[],
  target: Target,
  options: { deploy?: boolean } = {},
): Promise<CheckMessage[]> {
  const messages: CheckMessage[] = [];
  for (const check of checks) {
    if (check.deploy && !options.deploy) continue;
    try {
      messages.push(...(await check.run(target)));
    } catch (error) {
      messages.push({
        id: 'core.E000',
        level: 'error',
        message: `Check ${check.name} crashed: ${(error as Error).message}`,
        hint: 'Fix the check or the configuration it reads.',
      });
    }
  }
  return messages;
}

/** Formats findings for a terminal, one per line, hint indented under it. */
export function formatCheckMessages(messages: readonly CheckMessage[]): string {
  if (messages.length === 0) return 'System check identified no issues.';
  const lines = messages.map(
    (m) => `${m.id} (${m.level}) ${m.message}${m.hint ? `\n    HINT: ${m.hint}` : ''}`,
  );
  return `System check identified ${messages.length} issue${messages.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}
