import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createMarkdownRenderer,
  type DefaultTheme,
  disposeMdItInstance,
  type MarkdownRenderer,
  type UserConfig,
} from 'vitepress';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import type siteConfig from '../../docs/.vitepress/config.js';
import {
  DeadRepoLinkError,
  type RepoLinkOptions,
  repoLinks,
  repositoryUrlOf,
} from '../../docs/.vitepress/repo-links.js';
import { apiModules, buildSidebar } from '../../docs/.vitepress/sidebar.js';

// The docs site (docs/.vitepress): its sidebar covers every page, the API reference covers
// every package subpath, and links render and are checked as the site build checks them.
const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const docsDir = join(root, 'docs');

/** Every Markdown page of docs/ but the home page and the generated API reference. */
function pages(dir = docsDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name.startsWith('.') || path === join(docsDir, 'api') ? [] : pages(path);
    }
    return entry.name.endsWith('.md') && path !== join(docsDir, 'index.md') ? [path] : [];
  });
}

const pageLink = (file: string): string => `/${relative(docsDir, file).replace(/\.md$/, '')}`;

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-docs-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('docs site config', () => {
  // A type-only import: the config is type-checked with the suite without loading it (loading
  // it needs the generated API pages).
  it('is a VitePress config for the default theme', () => {
    expectTypeOf<typeof siteConfig>().toExtend<UserConfig<DefaultTheme.Config>>();
  });
});

describe('docs site sidebar', () => {
  const links = buildSidebar(docsDir).flatMap((group) => group.items.map((item) => item.link));

  it('lists every page of docs/', () => {
    const missing = pages()
      .map(pageLink)
      .filter((link) => !links.includes(link));
    expect(missing).toEqual([]);
  });

  it('links only to pages that exist or that TypeDoc generates', () => {
    const known = new Set([...pages().map(pageLink), '/api/', ...apiModules.map((name) => `/api/${name}`)]);
    expect(links.filter((link) => !known.has(link))).toEqual([]);
  });

  it('shows the pages of docs/decisions/ without editing the sidebar', () => {
    const dir = tempDir();
    expect(buildSidebar(dir).map((group) => group.text)).not.toContain('Decisions');
    mkdirSync(join(dir, 'decisions'));
    writeFileSync(join(dir, 'decisions', '0002-queue.md'), 'no heading\n');
    writeFileSync(join(dir, 'decisions', '0001-site.md'), '# 1. Docs with `VitePress`\n');
    expect(buildSidebar(dir).find((group) => group.text === 'Decisions')?.items).toEqual([
      { text: '1. Docs with VitePress', link: '/decisions/0001-site' },
      { text: '0002-queue', link: '/decisions/0002-queue' },
    ]);
  });
});

describe('API reference', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types: string }>;
  };
  const typedoc = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };
  const subpaths = Object.entries(pkg.exports).filter(([key]) => key !== './package.json');

  it('has one page per package subpath', () => {
    expect([...apiModules].sort()).toEqual(subpaths.map(([key]) => `basalt${key.slice(1)}`).sort());
  });

  it('documents the source file of every subpath', () => {
    const sources = subpaths.map(([, target]) => {
      const types = typeof target === 'string' ? target : target.types;
      return types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts');
    });
    expect([...typedoc.entryPoints].sort()).toEqual(sources.sort());
  });
});

describe('links in the site', () => {
  async function renderer(options: Partial<RepoLinkOptions> = {}): Promise<MarkdownRenderer> {
    disposeMdItInstance();
    return createMarkdownRenderer(docsDir, {
      config: repoLinks({
        root,
        docsDir,
        repositoryUrl: 'https://github.com/o/basalt',
        branch: 'main',
        ...options,
      }),
    });
  }

  /** Renders `markdown` as the page `docs/<page>` and answers the HTML and the page links VitePress checks. */
  function render(md: MarkdownRenderer, page: string, markdown: string) {
    const env: { path: string; relativePath: string; cleanUrls: boolean; links?: string[] } = {
      path: join(docsDir, page),
      relativePath: page,
      cleanUrls: true,
    };
    const html = md.render(markdown, env);
    return { html, links: env.links ?? [] };
  }

  it('points links out of docs/ at the repository: files as blob, folders as tree, anchors kept', async () => {
    const md = await renderer();
    const { html, links } = render(
      md,
      'guide.md',
      '[app](../examples/bookshop/app.ts) [shop](../examples/bookshop/) [bench](../bench/README.md#suites)',
    );
    expect(html).toContain('href="https://github.com/o/basalt/blob/main/examples/bookshop/app.ts"');
    expect(html).toContain('href="https://github.com/o/basalt/tree/main/examples/bookshop"');
    expect(html).toContain('href="https://github.com/o/basalt/blob/main/bench/README.md#suites"');
    expect(html).toContain('title="bench/README.md"');
    // Now external links: VitePress neither checks them as pages nor keeps them in the tab.
    expect(links).toEqual([]);
    expect(html).toContain('target="_blank"');
  });

  it('resolves links from a page in a subfolder', async () => {
    const md = await renderer();
    const { html } = render(md, 'reference/errors.md', '[catalogue](../../src/core/errors.ts)');
    expect(html).toContain('href="https://github.com/o/basalt/blob/main/src/core/errors.ts"');
  });

  it('fails on a link out of docs/ to a file that does not exist, naming the page and the link', async () => {
    const md = await renderer();
    const rendering = () => render(md, 'guide.md', 'See [it](../examples/nope/app.ts).');
    expect(rendering).toThrow(DeadRepoLinkError);
    expect(rendering).toThrow(
      'docs/guide.md links to ../examples/nope/app.ts, which is not a file or folder of the repository',
    );
  });

  it('fails on a link that leaves the repository', async () => {
    const md = await renderer();
    expect(() => render(md, 'guide.md', '[brief](../../shared/design/architecture.md)')).toThrow(
      DeadRepoLinkError,
    );
  });

  it('keeps the text of a link out of docs/ without a link when the repository is unknown', async () => {
    const md = await renderer({ repositoryUrl: null });
    const { html } = render(md, 'guide.md', '[app](../examples/bookshop/app.ts)');
    expect(html).not.toContain('href=');
    expect(html).toContain('title="examples/bookshop/app.ts"');
    expect(html).toContain('>app</a>');
  });

  it('leaves links between pages to VitePress, which checks them', async () => {
    const md = await renderer();
    const { html, links } = render(md, 'reference/checks.md', '[modules](../modules.md#checks) [top](#x)');
    expect(html).toContain('href="./../modules#checks"');
    expect(links).toEqual(['./../modules#checks']);
  });

  /** The links of one page that point at no page of the site, as VitePress's build reports them. */
  function deadPageLinks(md: MarkdownRenderer, file: string, markdown: string): string[] {
    const known = new Set([
      ...pages(),
      join(docsDir, 'api', 'index.md'),
      ...apiModules.map((name) => join(docsDir, 'api', `${name}.md`)),
    ]);
    const page = relative(docsDir, file);
    return render(md, page, markdown)
      .links.filter((link) => !/^https?:\/\/localhost[:/]/.test(link))
      .filter((link) => {
        const path = link.replace(/[?#].*$/, '').replace(/\/$/, '/index');
        const target = resolve(dirname(file), decodeURIComponent(path));
        return !known.has(`${target}.md`) && !known.has(target);
      })
      .map((link) => `${page}: ${link}`);
  }

  it('tells a link to a missing page from links to pages and API pages', async () => {
    const md = await renderer();
    const markdown =
      '[a](auth.md) [b](reference/errors.md#codes) [c](api/basalt/db.md) [d](nope.md) [e](api/basalt/x.md) [f](api/index.md) ' +
      '<http://localhost:3000/docs>';
    expect(deadPageLinks(md, join(docsDir, 'guide.md'), markdown)).toEqual([
      'guide.md: ./nope',
      'guide.md: ./api/basalt/x',
    ]);
  });

  it('has no link to a missing page in docs/ (as the site build checks)', async () => {
    const md = await renderer();
    const dead = pages().flatMap((file) => deadPageLinks(md, file, readFileSync(file, 'utf8')));
    expect(dead).toEqual([]);
  });
});

describe('repositoryUrlOf', () => {
  function urlOf(repository: unknown): string | null {
    const file = join(tempDir(), 'package.json');
    writeFileSync(file, JSON.stringify(repository === undefined ? {} : { repository }));
    return repositoryUrlOf(file);
  }

  it('reads the forms npm accepts', () => {
    expect(urlOf('o/basalt')).toBe('https://github.com/o/basalt');
    expect(urlOf('github:o/basalt')).toBe('https://github.com/o/basalt');
    expect(urlOf({ type: 'git', url: 'git+https://github.com/o/basalt.git' })).toBe(
      'https://github.com/o/basalt',
    );
    expect(urlOf({ url: 'git@github.com:o/basalt.git' })).toBe('https://github.com/o/basalt');
    expect(urlOf({ url: 'git://github.com/o/basalt.git' })).toBe('https://github.com/o/basalt');
  });

  it('answers null without a repository', () => {
    expect(urlOf(undefined)).toBeNull();
    expect(urlOf({ type: 'git' })).toBeNull();
  });
});
