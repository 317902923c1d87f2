import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../usage-error.js';
import type { ScaffoldChoices } from './choices.js';
import { renderTemplate } from './render.js';

/** The template, `templates/app/` of the Basalt package (the same path from `src/` and `dist/`). */
const TEMPLATE_DIR = fileURLToPath(new URL('../../../templates/app/', import.meta.url));

/** Files stored under another name in the template (npm drops `.gitignore` from packages). */
const RENAMED: Record<string, string> = { _gitignore: '.gitignore', '_biome.json': 'biome.json' };

/** Options of {@link generateProject}. */
export interface GenerateProjectOptions {
  /** The folder to create; it must not exist or be empty. */
  dir: string;
  choices: ScaffoldChoices;
  /** The npm package name; default: made from the folder's name. */
  name?: string;
  /** The version range of `basalt` the project depends on; default `^` this Basalt's version. */
  basaltRange?: string;
}

/** What {@link generateProject} wrote. */
export interface GeneratedProject {
  dir: string;
  name: string;
  /** Paths written, relative to `dir`, sorted. */
  files: string[];
}

function basaltVersion(): string {
  const path = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/** An npm package name made from a folder name (`My App` → `my-app`), or undefined when none can be. */
export function packageNameFrom(folder: string): string | undefined {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '')
    .slice(0, 214);
  return name === '' ? undefined : name;
}

const VALID_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;

/** Refuses a target that exists and is a file or a folder with something in it. */
export function assertEmptyTarget(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory())
    throw new UsageError(`${dir} exists and is not a folder. Nothing was written.`);
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  const shown =
    entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, … (${entries.length} entries)` : '');
  throw new UsageError(
    `The folder ${dir} is not empty (${shown}). Choose a new folder name, or empty it first. Nothing was written.`,
  );
}

function templateFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...templateFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** The project's `.env`: `.env.example` with a fresh SECRET_KEY, so `npm start` works at once. */
function dotEnv(example: string): string {
  const secret = randomBytes(32).toString('base64url');
  return example.replace(/^SECRET_KEY=$/m, `SECRET_KEY=${secret}`);
}

/**
 * Writes a new Basalt project from `templates/app/` for the given choices. Every file is
 * rendered in memory first; a non-empty target folder is refused before anything is written.
 */
export function generateProject(options: GenerateProjectOptions): GeneratedProject {
  const dir = resolve(options.dir);
  assertEmptyTarget(dir);
  const name = options.name ?? packageNameFrom(basename(dir));
  if (name === undefined)
    throw new UsageError(`No package name can be made from '${basename(dir)}'; give one with --name.`);
  if (!VALID_NAME.test(name) || name.length > 214)
    throw new UsageError(
      `'${name}' is not a valid npm package name (lowercase letters, digits, - . _ ~). Nothing was written.`,
    );

  const files = new Map<string, string>();
  for (const path of templateFiles(TEMPLATE_DIR)) {
    const rel = relative(TEMPLATE_DIR, path).split('\\').join('/');
    const parts = rel.split('/');
    const last = parts.pop() ?? '';
    const target = [...parts, RENAMED[last] ?? last].join('/');
    files.set(target, renderTemplate(readFileSync(path, 'utf8'), options.choices, name, rel));
  }
  const manifest = JSON.parse(files.get('package.json') ?? '{}') as {
    name?: string;
    dependencies?: Record<string, string>;
  };
  manifest.name = name;
  manifest.dependencies = { ...manifest.dependencies, basalt: options.basaltRange ?? `^${basaltVersion()}` };
  files.set('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
  const example = files.get('.env.example');
  if (example !== undefined) files.set('.env', dotEnv(example));

  for (const [rel, text] of files) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return { dir, name, files: [...files.keys()].sort() };
}
