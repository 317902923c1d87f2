import { createInterface } from 'node:readline';
import { CHOICE_NAMES, choiceValues, SCAFFOLD_CHOICES, type ScaffoldChoices } from './choices.js';

/** Where the questions are asked. */
export interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/**
 * Asks for every choice not given yet, one numbered list each; Enter takes the default (the
 * first value), and an answer is a number or a value's name. When the input ends, the
 * remaining choices take their defaults.
 */
export async function askChoices(
  given: Partial<ScaffoldChoices>,
  io: PromptStreams,
): Promise<ScaffoldChoices> {
  const rl = createInterface({ input: io.input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const result: Record<string, string> = { ...given };
  try {
    for (const name of CHOICE_NAMES) {
      if (result[name] !== undefined) continue;
      const values = choiceValues(name);
      const described = SCAFFOLD_CHOICES[name].values as Record<string, string>;
      io.output.write(`${SCAFFOLD_CHOICES[name].question}:\n`);
      values.forEach((value, i) => {
        io.output.write(`  ${i + 1}) ${value.padEnd(9)} ${described[value]}${i === 0 ? ' (default)' : ''}\n`);
      });
      for (;;) {
        io.output.write(`${name} [${values[0]}]: `);
        const next = await lines.next();
        if (next.done) {
          io.output.write('\n');
          result[name] = values[0] ?? '';
          break;
        }
        const answer = String(next.value).trim().toLowerCase();
        const picked = answer === '' ? values[0] : /^\d+$/.test(answer) ? values[Number(answer) - 1] : answer;
        if (picked !== undefined && values.includes(picked)) {
          result[name] = picked;
          break;
        }
        io.output.write(`Answer 1-${values.length} or one of ${values.join(', ')}.\n`);
      }
    }
  } finally {
    rl.close();
  }
  return result as ScaffoldChoices;
}
