// Builds the published package: compiled ESM and declarations in dist/ (tsc), plus the
// runtime files that are not TypeScript (the common-password list). `npm run build`.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);

// Assets: every file under src/ that is neither TypeScript nor a README for contributors.
const assets = [];
const walk = (folder) => {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (!/\.(m|c)?tsx?$/.test(entry.name) && entry.name !== 'README.md') assets.push(path);
  }
};
walk(src);
for (const file of assets) cpSync(file, join(dist, relative(src, file)));
console.log(`dist/: compiled, ${assets.length} asset${assets.length === 1 ? '' : 's'} copied`);
