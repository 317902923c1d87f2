// @ts-check
// A local TypeDoc plugin: names each entry point after the import specifier users write
// (`basalt`, `basalt/db`, ...) instead of its file name (`index`, `db`).
import { Converter } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.children ?? []) {
      mod.name = mod.name === 'index' ? 'basalt' : `basalt/${mod.name}`;
    }
  });
}
