// Shared by the scripts that drive the dashboard in Chromium (audit-ui, screenshots).
import fs from 'node:fs';
import { cli } from '../bench/lib.mjs';

export function chromiumPath() {
  const found = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && fs.existsSync(p));
  if (!found) throw new Error("No Chromium: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH");
  return found;
}

/** A same-origin API call as the dashboard makes it; throws on anything but 2xx. */
export async function json(base, method, url, { cookie, body } = {}) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { origin: base, 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}

/** Signs an existing user in through a CLI-made link; returns the Cookie header value (`visapi_session=…`). */
export async function signIn(base, env, email) {
  const { link } = JSON.parse(cli(['auth:link', email, '--json'], env));
  const token = new URL(link).searchParams.get('token');
  const response = await fetch(`${base}/api/v1/auth/verify`, { method: 'POST', headers: { origin: base, 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  if (response.status !== 200) throw new Error(`verify: ${response.status} ${await response.text()}`);
  return response.headers.get('set-cookie').split(';')[0];
}
