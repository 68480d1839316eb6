import type { Workflow } from '@visapi/contracts';
import { askEarly } from '../api/early-answers';

/** A workflow's page; its id a UUID, as the API's ids are, so the app asks for the very same path. */
const WORKFLOW_PAGE = /^\/workflows\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;

/** After the next frame has been painted (a frame's callbacks run before its paint). */
const nextPaint = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve)));

/**
 * A workflow's page is its definition: the page's largest content, and data, so no frame built
 * ahead (page-frames.ts) can hold it. The entry script asks for the workflow at once, in parallel
 * with the app's chunks, and if it arrives before the app has rendered, paints the name, the
 * description and the definition into the shell as plain text, in the order and at the size the
 * page shows them (WorkflowPage, DefinitionView's JSON), so that a slow phone shows the
 * definition before the app's whole download instead of after it. The app's own request takes
 * the same answer (api/early-answers.ts). Text only (textContent): nothing of the workflow is
 * read as markup. Settles once the preview has painted, or at once where there is none.
 */
export async function previewWorkflow(doc: Document, pathname: string, fetchImpl: typeof fetch = fetch): Promise<void> {
  const id = WORKFLOW_PAGE.exec(pathname)?.[1];
  if (!id) return;
  try {
    const response = await askEarly(`/api/v1/workflows/${id}`, fetchImpl);
    // A clone: the app reads the answer's own body.
    if (response.ok && paintWorkflow(doc, (await response.clone().json()) as Workflow)) await nextPaint();
  } catch {
    // Not signed in, offline, not JSON: the app shows whatever it is when it has loaded.
  }
}

/**
 * Into the shell's main while the app has not rendered (it replaces the whole shell when it
 * does); whether it did.
 */
export function paintWorkflow(doc: Document, workflow: Pick<Workflow, 'name' | 'description' | 'definition'>): boolean {
  const main = doc.querySelector('main.shell-main[aria-busy="true"]');
  if (!main) return false;
  const element = (tag: string, text: string, className?: string) => {
    const node = doc.createElement(tag);
    node.textContent = text;
    if (className) node.className = className;
    return node;
  };
  main.replaceChildren(
    element('h2', workflow.name),
    ...(workflow.description ? [element('p', workflow.description, 'shell-text')] : []),
    element('p', 'Definition', 'shell-label'),
    element('pre', JSON.stringify(workflow.definition, null, 2), 'shell-definition'),
  );
  return true;
}
