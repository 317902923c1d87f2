import * as rest from 'basalt/rest';
import { expect, it } from 'vitest';

it('exports the public names of basalt/rest', () => {
  expect(Object.keys(rest).sort()).toMatchInlineSnapshot(`
    [
      "RESOURCE_ACTIONS",
      "resource",
      "staffOnly",
    ]
  `);
});
