import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, defineApp, defineConfig, defineModule, t } from 'basalt';
import { describe, expect, it } from 'vitest';

const shop = defineModule({
  name: 'shop',
  config: defineConfig({
    SHOP_CURRENCY: t.Union([t.Literal('EUR'), t.Literal('USD')]),
    SHOP_FREE_SHIPPING_OVER: t.Number({ default: 50 }),
  }),
});
const app = defineApp({ name: 'cfg', modules: [shop] });

function envFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-env-'));
  const path = join(dir, '.env');
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  it('reads typed values from the environment and a .env file, the environment winning', async () => {
    const path = envFile(
      'SHOP_CURRENCY=USD\nPORT=4000\nSHOP_FREE_SHIPPING_OVER=25.5\nCORS_ORIGINS=https://a.test, https://b.test\n',
    );
    const created = await createApp(app, { env: { NODE_ENV: 'test', PORT: '5000' }, envFile: path });
    expect(created.config.PORT).toBe(5000);
    expect(created.config.SHOP_CURRENCY).toBe('USD');
    expect(created.config.SHOP_FREE_SHIPPING_OVER).toBe(25.5);
    expect(created.config.CORS_ORIGINS).toEqual(['https://a.test', 'https://b.test']);
    expect(created.config.BODY_LIMIT).toBe(1_048_576);
    await created.stop();
  });

  it('names every bad or missing variable in one error', async () => {
    const failure = createApp(app, {
      envFile: false,
      env: { NODE_ENV: 'production', PORT: 'eighty', SHOP_CURRENCY: 'GBP', TRUST_PROXY: 'perhaps' },
    });
    await expect(failure).rejects.toMatchObject({ code: 'BASALT_CONFIG_INVALID' });
    const message = await failure.then(
      () => '',
      (error: Error) => error.message,
    );
    expect(message).toMatch(/PORT: .*\(got NaN\)|PORT: .*eighty/);
    expect(message).toContain('SHOP_CURRENCY');
    expect(message).toContain('TRUST_PROXY');
    expect(message).toContain('SECRET_KEY: is required in production');
    expect(message.split('\n').filter((line) => line.startsWith('  - ')).length).toBeGreaterThanOrEqual(4);
  });

  it('generates a secret key outside production', async () => {
    const created = await createApp(app, {
      envFile: false,
      env: { NODE_ENV: 'development', SHOP_CURRENCY: 'EUR', LOG_LEVEL: 'silent' },
    });
    expect(created.config.SECRET_KEY.length).toBeGreaterThanOrEqual(32);
    const other = await createApp(app, {
      envFile: false,
      env: { NODE_ENV: 'development', SHOP_CURRENCY: 'EUR', LOG_LEVEL: 'silent' },
    });
    expect(other.config.SECRET_KEY).not.toBe(created.config.SECRET_KEY);
  });

  it('accepts a production configuration with a secret key and picks production defaults', async () => {
    const created = await createApp(app, {
      envFile: false,
      env: {
        NODE_ENV: 'production',
        SECRET_KEY: 'k'.repeat(16) + 'abcdefghijklmnopqrstuvwxyz',
        SHOP_CURRENCY: 'EUR',
        LOG_LEVEL: 'silent',
      },
    });
    expect(created.config.DOCS).toBe(false);
    expect(created.config.ACCESS_LOG).toBe(false);
  });

  it('refuses a secret key that is too short without echoing it', async () => {
    const message = await createApp(app, {
      envFile: false,
      env: { NODE_ENV: 'production', SECRET_KEY: 'hunter2hunter2', SHOP_CURRENCY: 'EUR' },
    }).catch((error: Error) => error.message);
    expect(message).toContain('SECRET_KEY');
    expect(message).toContain('(value hidden)');
    expect(message).not.toContain('hunter2');
  });
});
