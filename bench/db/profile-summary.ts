import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `Usage: node --import tsx bench/db/profile-summary.ts [--top N] [--filter TEXT] file.cpuprofile...

Prints the functions with the most self time (and, for those whose location contains
--filter, default src/db/, their inclusive time too) from V8 CPU profiles such as
\`node --cpu-prof\` writes.`;

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, filter: { type: 'string', default: 'src/db/' } },
});
if (positionals.length === 0) {
  console.error(USAGE);
  process.exit(2);
}
const root = fileURLToPath(new URL('../../', import.meta.url));

function location(frame: CallFrame): string {
  if (!frame.url) return '(native)';
  const path = frame.url.startsWith('file://') ? relative(root, fileURLToPath(frame.url)) : frame.url;
  // V8 numbers lines and columns from 0.
  return `${path}:${frame.lineNumber + 1}`;
}

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}  ${location(n.callFrame)}`;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const node = byId.get(id);
    if (!node) return;
    self.set(key(node), (self.get(key(node)) ?? 0) + dt);
    // Count each function once per sample, however deep it recurses.
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = node; n; n = byId.get(parent.get(n.id) ?? -1)) {
      const k = key(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  });
}

const top = Number(values.top);
const print = (title: string, entries: [string, number][]) => {
  console.log(`\n${title}`);
  for (const [name, us] of entries.slice(0, top))
    console.log(
      `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`,
    );
};
const sorted = (map: Map<string, number>, keep: (k: string) => boolean) =>
  [...map].filter(([k]) => keep(k)).sort((a, b) => b[1] - a[1]);
console.log(`total sampled: ${(total / 1000).toFixed(0)} ms`);
print(
  'Top self time',
  sorted(self, () => true),
);
print(
  `Top self time in ${values.filter}`,
  sorted(self, (k) => k.includes(values.filter)),
);
print(
  `Top inclusive time in ${values.filter}`,
  sorted(inclusive, (k) => k.includes(values.filter)),
);
