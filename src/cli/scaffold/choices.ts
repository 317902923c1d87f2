/** What `basalt new` asks: each choice, its valid values (the first is the default) and what they mean. */
export const SCAFFOLD_CHOICES = {
  database: {
    question: 'Database',
    values: {
      sqlite: 'SQLite, a file next to the app (no server to run)',
      postgres: 'PostgreSQL',
    },
  },
  queue: {
    question: 'Background jobs queue',
    values: {
      database: "in the app's database (no extra service)",
      redis: 'Redis (BullMQ)',
    },
  },
  storage: {
    question: 'File storage',
    values: {
      local: 'a local folder (media/)',
      s3: 'S3 or an S3-compatible store (MinIO in compose.yaml)',
    },
  },
} as const;

type Choices = typeof SCAFFOLD_CHOICES;

/** The name of a choice: `database`, `queue` or `storage`. */
export type ScaffoldChoiceName = keyof Choices;

/** One value per choice, e.g. `{ database: 'postgres', queue: 'redis', storage: 's3' }`. */
export type ScaffoldChoices = { [K in ScaffoldChoiceName]: keyof Choices[K]['values'] & string };

/** The names of the choices, in the order they are asked. */
export const CHOICE_NAMES = Object.keys(SCAFFOLD_CHOICES) as ScaffoldChoiceName[];

/** The valid values of a choice, the default first. */
export function choiceValues(name: ScaffoldChoiceName): string[] {
  return Object.keys(SCAFFOLD_CHOICES[name].values);
}

/** Every choice at its default (SQLite, the database queue, a local folder). */
export function defaultChoices(): ScaffoldChoices {
  return { database: 'sqlite', queue: 'database', storage: 'local' };
}

/** Whether `value` is one of the valid values of choice `name`. */
export function isChoiceValue(name: ScaffoldChoiceName, value: string): boolean {
  return choiceValues(name).includes(value);
}
