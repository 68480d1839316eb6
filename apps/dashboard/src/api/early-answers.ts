/**
 * Answers asked for by the entry script (src/main.tsx) before the app has loaded, for the data a
 * page paints first (frames/workflow-preview.ts). The app's first GET of the same path takes the
 * answer instead of asking the server again (api/client.ts); it is taken once, and only while
 * fresh, so every later request asks the server. Kept in the entry chunk: it imports nothing.
 */
const FRESH_MS = 10_000;
const answers = new Map<string, { asked: number; response: Promise<Response> }>();

/** A GET of our own origin as the API client sends it (api/client.ts, requestWithResponse). */
export function askEarly(path: string, fetchImpl: typeof fetch = fetch): Promise<Response> {
  const response = fetchImpl(path, { method: 'GET', credentials: 'same-origin', headers: { accept: 'application/json' } });
  const answer = { asked: Date.now(), response };
  answers.set(path, answer);
  // A failure is the taker's to see; nobody else waits on it.
  response.catch(() => undefined);
  // Not taken in time (the app went elsewhere): not kept, nor its body.
  setTimeout(() => answers.get(path) === answer && answers.delete(path), FRESH_MS);
  return response;
}

/** The early answer to a GET of this path, if one was asked for in the last 10 s and not yet taken. */
export function takeEarlyAnswer(path: string): Promise<Response> | undefined {
  const answer = answers.get(path);
  answers.delete(path);
  return answer && Date.now() - answer.asked <= FRESH_MS ? answer.response : undefined;
}
