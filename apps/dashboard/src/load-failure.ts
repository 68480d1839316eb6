export const LOAD_FAILED = 'The dashboard could not be loaded. Reload the page to try again.';

/**
 * The shell's "Loading…" becomes an alert when the app's code fails to load (offline, or a
 * deploy replaced the chunks this page names): otherwise it would say Loading forever.
 */
export function showLoadFailure(doc: Document): void {
  const main = doc.querySelector('.shell-main');
  if (!main) return; // the app has replaced the shell: it reports its own errors
  main.setAttribute('aria-busy', 'false');
  const message = doc.createElement('p');
  message.setAttribute('role', 'alert');
  message.textContent = LOAD_FAILED;
  main.replaceChildren(message);
}
