import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';

/** Where links that leave `docs/` point in the site. */
export interface RepoLinkOptions {
  /** The repository root (the folder holding `docs/`). */
  root: string;
  /** The folder the site is built from (`<root>/docs`). */
  docsDir: string;
  /** The repository's web address (`https://github.com/owner/name`), or `null` when unknown. */
  repositoryUrl: string | null;
  /** The branch links point at. */
  branch: string;
}

/** A page links to a file of the repository that does not exist. */
export class DeadRepoLinkError extends Error {
  override name = 'DeadRepoLinkError';
}

/**
 * The web address of the repository from package.json's `repository` field (a GitHub
 * shorthand, a `github:` specifier or a git URL), or `null` when there is none.
 */
export function repositoryUrlOf(packageJsonPath: string): string | null {
  const pkg = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as {
    repository?: string | { url?: string };
  };
  const raw = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (!raw) return null;
  const shorthand = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(raw);
  if (shorthand) return `https://github.com/${shorthand[1]}`;
  return raw
    .replace(/^git\+/, '')
    .replace(/^git@([^:]+):/, 'https://$1/')
    .replace(/^(?:git|ssh):\/\/(?:git@)?/, 'https://')
    .replace(/\.git$/, '');
}

const external = /^(?:[a-z][a-z\d+.-]*:|\/\/)/i;

/**
 * A markdown-it plugin for relative links that leave `docs/` (`../examples/bookshop/app.ts`,
 * `../bench/README.md`): they work as written on GitHub, and in the site they become links
 * to the repository's web view. The target must exist, or rendering fails, so such links are
 * checked like VitePress checks links between pages. With no repository URL the link text
 * is kept without a link.
 */
export function repoLinks(options: RepoLinkOptions): (md: MarkdownRenderer) => void {
  return (md) => {
    md.core.ruler.push('basalt_repo_links', (state) => {
      const env = state.env as { path?: string };
      if (!env.path) return;
      const pageDir = dirname(env.path);
      for (const block of state.tokens) {
        for (const token of block.children ?? []) {
          if (token.type !== 'link_open') continue;
          const href = token.attrGet('href');
          if (!href || href.startsWith('#') || href.startsWith('/') || external.test(href)) continue;
          const [path = '', hash = ''] = href.split(/(?=#)/);
          const target = resolve(pageDir, decodeURI(path.replace(/\?.*$/, '')));
          if (target === options.docsDir || target.startsWith(options.docsDir + sep)) continue;
          const fromRoot = relative(options.root, target).split(sep).join('/');
          if (fromRoot.startsWith('..') || !existsSync(target)) {
            const page = relative(options.root, env.path).split(sep).join('/');
            throw new DeadRepoLinkError(
              `${page} links to ${href}, which is not a file or folder of the repository (${fromRoot})`,
            );
          }
          token.attrSet('title', fromRoot);
          if (options.repositoryUrl === null) {
            token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'href');
            continue;
          }
          const kind = statSync(target).isDirectory() ? 'tree' : 'blob';
          token.attrSet('href', `${options.repositoryUrl}/${kind}/${options.branch}/${fromRoot}${hash}`);
        }
      }
    });
  };
}

/** The options for this repository: `docs/` next to package.json. */
export function repoLinkOptionsFor(root: string): RepoLinkOptions {
  return {
    root,
    docsDir: join(root, 'docs'),
    repositoryUrl: repositoryUrlOf(join(root, 'package.json')),
    branch: 'main',
  };
}
