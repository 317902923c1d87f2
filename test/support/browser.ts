// Real Chromium for end-to-end tests (Debian's `chromium`, driven by playwright-core): one browser
// per test file, a page that records any script an XSS payload manages to run, and small form
// helpers. Suites skip when there is no chromium, except under BASALT_REQUIRE_SERVICES (CI).
import { execFileSync } from 'node:child_process';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const path = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (path) return path;
    } catch {
      // not on PATH under this name
    }
  }
  return undefined;
}

/** The chromium executable, or undefined when the machine has none. */
export const chromiumPath = findChromium();
/** Whether end-to-end suites can run here. */
export const hasChromium = chromiumPath !== undefined;
if (!hasChromium) {
  if (process.env.BASALT_REQUIRE_SERVICES)
    throw new Error('chromium is not installed (apt-get install chromium)');
  console.warn('chromium is not installed: browser test cases are SKIPPED');
}

/** Launches headless Chromium (launch once per file, in beforeAll; close it in afterAll). */
export function launchBrowser(): Promise<Browser> {
  if (!chromiumPath) throw new Error('chromium is not installed');
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** What a page under watch saw run: dialogs opened and `window.__xss` markers set by payloads. */
export interface XssWatch {
  /** Messages of every `alert`/`confirm`/`prompt` opened (a payload that ran). */
  readonly dialogs: string[];
  /** Every value a payload put in `window.__xss` on any page seen so far. */
  fired(): Promise<unknown[]>;
}

/**
 * A fresh browser context (its own cookies) and page that records script a payload runs:
 * dialogs are dismissed and recorded, and `window.__xss` (an array payloads push to, e.g.
 * `<img src=x onerror="window.__xss.push(1)">`) is collected from each page before it is left.
 * Script is allowed and the Content-Security-Policy bypassed, so an escaping bug does run and
 * is seen.
 */
export async function watchedPage(
  browser: Browser,
  baseURL: string,
): Promise<{ context: BrowserContext; page: Page; xss: XssWatch }> {
  // The pages' Content-Security-Policy would stop an injected handler too: bypass it, so the
  // probe sees whether escaping alone holds.
  const context = await browser.newContext({ baseURL, javaScriptEnabled: true, bypassCSP: true });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const seen: unknown[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss().catch(() => undefined);
  });
  await context.exposeFunction('__xssReport', (value: unknown) => {
    seen.push(value);
  });
  await context.addInitScript(() => {
    const report = (globalThis as unknown as { __xssReport: (v: unknown) => void }).__xssReport;
    const marks: unknown[] = [];
    marks.push = (...values: unknown[]) => {
      for (const value of values) report(value);
      return Array.prototype.push.apply(marks, values);
    };
    (globalThis as unknown as { __xss: unknown[] }).__xss = marks;
  });
  return {
    context,
    page,
    xss: {
      dialogs,
      async fired() {
        return [...seen];
      },
    },
  };
}

/** Fills the named fields of the page's form that contains `submit`, then clicks it and waits for the next page. */
export async function submitForm(
  page: Page,
  fields: Record<string, string>,
  submit = 'button[type=submit]',
): Promise<number> {
  for (const [name, value] of Object.entries(fields)) await page.fill(`[name="${name}"]`, value);
  const [response] = await Promise.all([page.waitForNavigation(), page.click(submit)]);
  return response?.status() ?? 0;
}
