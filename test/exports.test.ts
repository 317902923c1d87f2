import { describe, expect, it } from 'vitest';

// The exports map is the public API: a change to these lists is a change to the API and must be deliberate.
describe('public API', () => {
  it('exports the documented names from basalt', async () => {
    expect(Object.keys(await import('basalt')).sort()).toMatchSnapshot();
  });
  it('exports the documented names from basalt/http', async () => {
    expect(Object.keys(await import('basalt/http')).sort()).toMatchSnapshot();
  });
  it('exports the documented names from basalt/auth', async () => {
    expect(Object.keys(await import('basalt/auth')).sort()).toMatchSnapshot();
  });
  it('exports the documented names from basalt/testing', async () => {
    expect(Object.keys(await import('basalt/testing')).sort()).toMatchSnapshot();
  });
});
