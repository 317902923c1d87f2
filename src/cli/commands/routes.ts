import type { BuiltinCommand } from '../cli-context.js';

/** `basalt routes`: the app's endpoints as a table. */
export const routesCommand: BuiltinCommand = {
  name: 'routes',
  summary: "List the app's endpoints: method, path, summary and tags",
  async run(context) {
    const app = await context.loadApp();
    if (app.routes.length === 0) {
      context.stdout.write('The app has no routes.\n');
      return 0;
    }
    const rows = [
      ['METHOD', 'PATH', 'SUMMARY', 'TAGS'],
      ...app.routes.map((route) => [
        route.method,
        route.path,
        route.spec.summary ?? '',
        (route.spec.tags ?? []).join(', '),
      ]),
    ];
    const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
    for (const row of rows) {
      const line = row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
      context.stdout.write(`${line.trimEnd()}\n`);
    }
    return 0;
  },
};
