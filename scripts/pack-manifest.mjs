// `npm pack` / `npm publish` hooks. prepack builds dist/ and removes from package.json what
// only this repository uses (the `basalt-source` export condition, which points at src/, the
// development dependencies and the workspaces), so nothing of the in-repo setup reaches an installed package;
// postpack puts package.json back.
//   node scripts/pack-manifest.mjs prepack | postpack
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = join(root, 'package.json');
const saved = join(root, '.package.json.pack-backup');
const phase = process.argv[2];

if (phase === 'prepack') {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  const text = readFileSync(manifest, 'utf8');
  if (!existsSync(saved)) writeFileSync(saved, text);
  const pkg = JSON.parse(text);
  for (const entry of Object.values(pkg.exports ?? {}))
    if (entry && typeof entry === 'object') delete entry['basalt-source'];
  delete pkg.devDependencies;
  delete pkg.workspaces;
  delete pkg.basalt;
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (phase === 'postpack') {
  if (existsSync(saved)) renameSync(saved, manifest);
} else {
  console.error('usage: node scripts/pack-manifest.mjs prepack|postpack');
  process.exit(2);
}
