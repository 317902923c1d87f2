import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Each subpath of package.json's `exports` is public API: its runtime names (with their kinds) and
// its type names (read by the TypeScript compiler from the subpath's index.ts) are snapshotted
// here. A name added or removed fails this test until the snapshot is updated on purpose
// (`npx vitest run test/exports.test.ts -u`). Every export also needs a TSDoc summary, and every
// runtime export a mention in a page of docs/ (see "Public and internal names" in
// docs/architecture.md).

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type ExportTarget = Record<string, string>;

const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, ExportTarget | string>;
};

const subpaths = Object.entries(pkg.exports)
  .filter((entry): entry is [string, ExportTarget] => typeof entry[1] === 'object')
  .map(([key, target]) => ({
    specifier: key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`,
    file: resolve(root, sourceFile(key, target)),
  }));

// The in-repo condition that points at src/*.ts, whatever its name; else the source of the `types` file.
function sourceFile(key: string, target: ExportTarget): string {
  const values = Object.values(target);
  const source = values.find((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'));
  const fromTypes = target.types?.replace(/^\.\/dist\//, './src/').replace(/\.d\.ts$/, '.ts');
  const file = source ?? fromTypes;
  if (!file) throw new Error(`package.json exports["${key}"] names no TypeScript source`);
  return file;
}

function runtimeKind(value: unknown): string {
  if (typeof value === 'function') {
    return Function.prototype.toString.call(value).startsWith('class') ? 'class' : 'function';
  }
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

async function runtimeExports(specifier: string): Promise<Record<string, string>> {
  const mod = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(mod)
      .sort()
      .map((name) => [name, runtimeKind(mod[name])]),
  );
}

function typeKind(symbol: ts.Symbol): string {
  if (symbol.flags & ts.SymbolFlags.Interface) return 'interface';
  if (symbol.flags & ts.SymbolFlags.TypeAlias) return 'type';
  if (symbol.flags & ts.SymbolFlags.Enum) return 'enum';
  if (symbol.flags & ts.SymbolFlags.Class) return 'class';
  return 'namespace';
}

interface CompiledExports {
  /** Names a program can use as values (must equal the runtime names). */
  readonly values: string[];
  /** Names usable only as types, or names whose type meaning is not a class (e.g. a config's type alias). */
  readonly types: Record<string, string>;
  /** Names declared in src/ whose declaration has no TSDoc summary. */
  readonly undocumented: string[];
}

// One program for every subpath: the compiler resolves each index.ts's re-exports to their declarations.
function compiledExports(): Map<string, CompiledExports> {
  const config = ts.getParsedCommandLineOfConfigFile(
    resolve(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram({
    rootNames: subpaths.map((s) => s.file),
    options: { ...config.options, noEmit: true },
  });
  const checker = program.getTypeChecker();
  const result = new Map<string, CompiledExports>();
  for (const { specifier, file } of subpaths) {
    const sourceFile = program.getSourceFile(file);
    const moduleSymbol = sourceFile && checker.getSymbolAtLocation(sourceFile);
    if (!moduleSymbol) throw new Error(`${file} is not a module`);
    const values: string[] = [];
    const types: Record<string, string> = {};
    const undocumented: string[] = [];
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const typeOnly = exported.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration(d)) ?? false;
      const isValue = (target.flags & ts.SymbolFlags.Value) !== 0 && !typeOnly;
      if (isValue) values.push(exported.name);
      const hasTypeMeaning = (target.flags & (ts.SymbolFlags.Type | ts.SymbolFlags.Namespace)) !== 0;
      if (
        hasTypeMeaning &&
        !(isValue && target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.ValueModule))
      ) {
        types[exported.name] = typeKind(target);
      }
      // Re-exports of a dependency (kysely's sql, TypeBox's Type) carry that library's docs.
      const ours = target.declarations?.some((d) => !d.getSourceFile().fileName.includes('/node_modules/'));
      const summary = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
      if (ours && summary === '') undocumented.push(exported.name);
    }
    result.set(specifier, {
      values: values.sort(),
      types: Object.fromEntries(Object.entries(types).sort(([a], [b]) => (a < b ? -1 : 1))),
      undocumented,
    });
  }
  return result;
}

// The hand-written pages of docs/: not the generated API reference, not the site's build, not
// docs/reference/api.md (an index of the subpaths, which names only the main exports).
function docsText(dir = resolve(root, 'docs')): string {
  let text = '';
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(resolve(root, 'docs'), path);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && rel !== 'api') text += docsText(path);
    } else if (entry.name.endsWith('.md') && rel !== join('reference', 'api.md')) {
      text += readFileSync(path, 'utf8');
    }
  }
  return text;
}

describe('public API', () => {
  const compiled = compiledExports();
  const docs = docsText();

  it('covers every subpath of package.json exports', () => {
    expect(subpaths.map((s) => s.specifier)).toMatchSnapshot();
  });

  for (const { specifier } of subpaths) {
    describe(specifier, () => {
      it('exports exactly the snapshotted runtime names and kinds', async () => {
        expect(await runtimeExports(specifier)).toMatchSnapshot();
      });

      it('exports exactly the snapshotted type names', () => {
        expect(compiled.get(specifier)?.types).toMatchSnapshot();
      });

      it('declares as values exactly the names that exist at runtime', async () => {
        expect(compiled.get(specifier)?.values).toEqual(Object.keys(await runtimeExports(specifier)));
      });

      it('gives every export a TSDoc summary', () => {
        expect(compiled.get(specifier)?.undocumented).toEqual([]);
      });

      it('names every runtime export in a page of docs/', async () => {
        const unnamed = Object.keys(await runtimeExports(specifier)).filter(
          (name) => !new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(docs),
        );
        expect(unnamed).toEqual([]);
      });
    });
  }
});
