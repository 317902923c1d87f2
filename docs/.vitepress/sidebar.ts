import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One link of the docs sidebar: the page's title and its path in `docs/` without `.md`. */
export interface SidebarLink {
  text: string;
  link: string;
}

/** A titled group of sidebar links. */
export interface SidebarGroup {
  text: string;
  collapsed?: boolean;
  items: SidebarLink[];
}

/** The package subpaths that get an API reference page, in sidebar order. */
export const apiModules = [
  'basalt',
  'basalt/db',
  'basalt/http',
  'basalt/mail',
  'basalt/auth',
  'basalt/jobs',
  'basalt/storage',
  'basalt/ops',
  'basalt/rest',
  'basalt/graphql',
  'basalt/views',
  'basalt/views/jsx-runtime',
  'basalt/views/jsx-dev-runtime',
  'basalt/admin',
  'basalt/server',
  'basalt/testing',
  'basalt/cli',
] as const;

const guides: SidebarLink[] = [
  { text: 'Endpoints', link: '/endpoints' },
  { text: 'Models and fields', link: '/models' },
  { text: 'Queries and operations', link: '/queries' },
  { text: 'Migrations', link: '/migrations' },
  { text: 'Transactions', link: '/transactions' },
  { text: 'Operations and policies', link: '/operations' },
  { text: 'REST resources', link: '/resources' },
  { text: 'GraphQL', link: '/graphql' },
  { text: 'Pages and templates', link: '/views' },
  { text: 'The admin site', link: '/admin' },
  { text: 'Authentication', link: '/auth' },
  { text: 'JWT tokens', link: '/jwt' },
  { text: 'Sessions and CSRF', link: '/sessions' },
  { text: 'Sign in with … (OIDC)', link: '/oidc' },
  { text: 'Passwords', link: '/passwords' },
  { text: 'Rate limiting', link: '/rate-limiting' },
  { text: 'Mail', link: '/mail' },
  { text: 'Background jobs', link: '/jobs' },
  { text: 'File storage', link: '/storage' },
  { text: 'Configuration', link: '/configuration' },
  { text: 'Modules and checks', link: '/modules' },
  { text: 'Testing', link: '/testing' },
  { text: 'A typed API client', link: '/client' },
  { text: 'Fixtures and shells', link: '/fixtures' },
  { text: 'The basalt command', link: '/cli' },
  { text: 'Deployment', link: '/deployment' },
  { text: 'Security', link: '/security' },
];

/** The title of a Markdown page: its first `# ` heading, else its file name. */
function pageTitle(file: string, fallback: string): string {
  const heading = /^# (.+)$/m.exec(readFileSync(file, 'utf8'));
  return heading?.[1]?.replaceAll('`', '') ?? fallback;
}

/**
 * The pages of one folder of `docs/` that no fixed group lists (decision records), sorted by
 * file name, so a new page shows up in the sidebar without editing it.
 */
function folderLinks(docsDir: string, folder: string): SidebarLink[] {
  const dir = join(docsDir, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.md') && name !== 'index.md')
    .sort()
    .map((name) => ({
      text: pageTitle(join(dir, name), name.slice(0, -3)),
      link: `/${folder}/${name.slice(0, -3)}`,
    }));
}

/** The docs sidebar: getting started, the guides, the reference (with the generated API pages) and the architecture. */
export function buildSidebar(docsDir: string): SidebarGroup[] {
  const groups: SidebarGroup[] = [
    { text: 'Introduction', items: [{ text: 'Getting started', link: '/getting-started' }] },
    { text: 'Guides', items: guides },
    {
      text: 'Reference',
      items: [
        { text: 'Errors', link: '/errors' },
        { text: 'Error codes', link: '/reference/errors' },
        { text: 'System checks', link: '/reference/checks' },
        { text: 'Public API', link: '/reference/api' },
        { text: 'API reference', link: '/api/' },
      ],
    },
    {
      text: 'API',
      collapsed: true,
      items: apiModules.map((name) => ({ text: name, link: `/api/${name}` })),
    },
    { text: 'Architecture', items: [{ text: 'Architecture', link: '/architecture' }] },
  ];
  const decisions = folderLinks(docsDir, 'decisions');
  if (decisions.length > 0) groups.push({ text: 'Decisions', collapsed: true, items: decisions });
  return groups;
}
