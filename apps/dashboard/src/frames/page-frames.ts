import { ROLE_POWERS } from '../features/users/role-powers';

/**
 * Each page's heading and the paragraph under it. The build writes them into a copy of
 * index.html per route (vite.config.ts, `pageFrames`), which the gateway serves for that route,
 * so the page's own heading and description paint with the first paint, before the app has
 * loaded; the page then renders the same text (PageTitle, PageDescription) at the same size.
 * Plain text only: what the HTML shows must be what the page shows.
 *
 * Keyed by the route's path as the route table writes it. This module is read by the build
 * (in Node), so it imports nothing that needs a browser.
 */
export const PAGE_FRAMES = {
  '/': { title: 'Overview' },
  '/runs': { title: 'Runs' },
  '/trigger': { title: 'Trigger a run' },
  '/logs': { title: 'Logs' },
  '/dlq': {
    title: 'Dead letters',
    description: 'Runs that failed for good. A replay resumes each run at its failed step; steps that succeeded are not repeated.',
  },
  '/refunds': {
    title: 'Refunds',
    description:
      'Refund a Stripe charge, in full or in part. Nothing is refunded before you confirm what the preview shows; a confirmation refunds at most once.',
  },
  '/workflows': { title: 'Workflows' },
  '/outbox': {
    title: 'Outbox',
    description: 'Connectors without credentials run in sandbox mode: each message is rendered exactly as it would be sent and kept here instead.',
  },
  '/api-keys': {
    title: 'API keys',
    description:
      'Services call the API with a key sent in the X-API-Key header. A key is shown once, when it is created or rotated; only its prefix is kept in clear.',
  },
  '/users': {
    title: 'Users & roles',
    description:
      'People appear here after their first sign-in with a magic link, as viewers (addresses listed in ADMIN_EMAILS start as admins). ' +
      `Viewers ${ROLE_POWERS.viewer}; operators ${ROLE_POWERS.operator}; admins ${ROLE_POWERS.admin}. ` +
      "A new role takes effect on the user's next request. You cannot change your own role here, so that you cannot lock yourself out.",
  },
  '/templates': {
    title: 'Templates',
    description:
      'Messages the connectors send, per name, channel and locale, in Liquid. A run looks up the template in its locale, then the language (he-IL → he), then en.',
  },
} as const satisfies Record<string, PageFrame>;

export interface PageFrame {
  title: string;
  description?: string;
}

export type FramedPath = keyof typeof PAGE_FRAMES;

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The frame's markup, put before the shell's loading line (classes styled in index.html). */
export function frameHtml(frame: PageFrame): string {
  const description = frame.description ? `<p class="shell-description">${escapeHtml(frame.description)}</p>` : '';
  return `<h2>${escapeHtml(frame.title)}</h2>${description}`;
}

/** `frames/runs.html` for `/runs`, `frames/index.html` for `/`. */
export const frameFileName = (path: string) => `frames/${path === '/' ? 'index' : path.slice(1).replace(/[^a-z0-9-]/gi, '_')}.html`;
