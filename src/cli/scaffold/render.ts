import type { ScaffoldChoices } from './choices.js';

/**
 * Lines kept only for some choices. One line ends with a marker comment: `# [queue=redis]`
 * (YAML, shell, .env, Dockerfile) or `// [storage=s3|local]` (TypeScript). A block sits
 * between a line `# [if database=postgres]` and a line `# [end]` (blocks nest). Markers are
 * removed from the output, so template files stay valid files of their kind.
 */
const LINE_MARKER = /\s*(?:#|\/\/) \[(\w+)=([\w|]+)\]$/;
const BLOCK_START = /^\s*(?:#|\/\/) \[if (\w+)=([\w|]+)\]$/;
const BLOCK_END = /^\s*(?:#|\/\/) \[end\]$/;

/** The placeholder project name in the template, replaced by the new project's name. */
export const TEMPLATE_NAME = 'my-app';

function holds(choices: ScaffoldChoices, name: string, values: string, where: string): boolean {
  if (!(name in choices)) throw new Error(`${where}: unknown choice '${name}' in a template marker`);
  return values.split('|').includes(choices[name as keyof ScaffoldChoices]);
}

/** Keeps the lines whose markers match the choices (and every unmarked line), markers removed. */
export function renderLines(text: string, choices: ScaffoldChoices, file: string): string {
  const out: string[] = [];
  const open: boolean[] = [];
  text.split('\n').forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    const start = BLOCK_START.exec(line);
    if (start) {
      open.push(holds(choices, start[1] ?? '', start[2] ?? '', where));
      return;
    }
    if (BLOCK_END.test(line)) {
      if (open.pop() === undefined) throw new Error(`${where}: [end] without [if ...]`);
      return;
    }
    if (open.includes(false)) return;
    const marker = LINE_MARKER.exec(line);
    if (!marker) out.push(line);
    else if (holds(choices, marker[1] ?? '', marker[2] ?? '', where)) out.push(line.slice(0, marker.index));
  });
  if (open.length > 0) throw new Error(`${file}: [if ...] without [end]`);
  return out.join('\n');
}

/** Renders one template file: choice markers, then the project name. */
export function renderTemplate(text: string, choices: ScaffoldChoices, name: string, file: string): string {
  return renderLines(text, choices, file).replaceAll(TEMPLATE_NAME, name);
}
