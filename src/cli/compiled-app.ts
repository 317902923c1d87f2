import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { BasaltError, readEnvFile } from '../core/internal.js';
import {
  BUILD_ENV,
  DEFAULT_OUT_DIR,
  isTypeScriptPath,
  outputName,
  readBuildManifest,
  staleSources,
} from '../internal/build-output.js';

/** The app file a command runs, and whether it is the compiled one. */
export interface RunnableApp {
  file: string;
  compiled: boolean;
  /** Said on stderr when a command runs the TypeScript source although it prefers a build. */
  note?: string;
  /** Variables that tell this process and its workers where the build is (set when compiled). */
  env: Record<string, string>;
}

/** Inputs of {@link resolveRunnableApp}. */
export interface ResolveRunnableOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** `compiled` for start, worker and migrate: production runs the build; `source` otherwise. */
  prefer: 'compiled' | 'source';
}

function nodeEnv(cwd: string, env: Record<string, string | undefined>): string | undefined {
  if (env.NODE_ENV) return env.NODE_ENV;
  try {
    return readEnvFile(join(cwd, '.env')).NODE_ENV;
  } catch {
    return undefined;
  }
}

/** The compiled twin of an app file in the project's build, if the build has one. */
export function compiledAppFile(cwd: string, appFile: string): string | undefined {
  const root = resolve(cwd);
  const manifest = readBuildManifest(join(root, DEFAULT_OUT_DIR));
  if (!manifest) return undefined;
  const source = relative(root, resolve(appFile)).split('\\').join('/');
  const entry = manifest.files.find((file) => file.source === source);
  const file = entry ? join(root, entry.output) : join(root, manifest.outDir, outputName(source));
  return existsSync(file) ? file : undefined;
}

/**
 * Chooses between an app's TypeScript source and its `basalt build` output. Commands that
 * serve (prefer `compiled`) run a fresh build, or the build when the source is absent (an
 * image holding dist/ only); without a usable build they refuse in production
 * (BASALT_APP_NOT_BUILT) and run the source in development, saying so. Other commands run
 * the source when it is there. A JavaScript app file is always run as it is.
 */
export function resolveRunnableApp(appFile: string, options: ResolveRunnableOptions): RunnableApp {
  const root = resolve(options.cwd);
  const sourcePresent = existsSync(appFile);
  if (sourcePresent && !isTypeScriptPath(appFile)) return { file: appFile, compiled: false, env: {} };
  const compiled = compiledAppFile(root, appFile);
  const outDir = join(root, DEFAULT_OUT_DIR);
  const buildEnv = { [BUILD_ENV.root]: root, [BUILD_ENV.outDir]: outDir };
  if (compiled && !sourcePresent) return { file: compiled, compiled: true, env: buildEnv };
  const shown = relative(root, appFile) || appFile;
  if (options.prefer === 'source') {
    if (sourcePresent) return { file: appFile, compiled: false, env: {} };
    throw new BasaltError(
      'BASALT_APP_NOT_FOUND',
      `The app file ${appFile} does not exist, and there is no build of it.`,
    );
  }
  const manifest = compiled ? readBuildManifest(outDir) : undefined;
  const changed = manifest ? staleSources(root, manifest).changed : [];
  if (compiled && changed.length === 0) return { file: compiled, compiled: true, env: buildEnv };
  const reason = compiled
    ? `${DEFAULT_OUT_DIR}/ is older than ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ` and ${changed.length - 3} more` : ''}`
    : `${shown} has not been built`;
  if (nodeEnv(root, options.env) === 'production')
    throw new BasaltError(
      'BASALT_APP_NOT_BUILT',
      `${reason}. Production runs the compiled app: run \`basalt build\` (npm run build) first.`,
    );
  return {
    file: appFile,
    compiled: false,
    env: {},
    note: `running ${shown} from source (development): ${reason}; \`basalt build\` compiles it for production.`,
  };
}
