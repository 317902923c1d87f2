/** A mistake in how the command line was written (unknown command, bad flag): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
