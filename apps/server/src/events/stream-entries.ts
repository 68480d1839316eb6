import { EVENT_TYPES, type EventType } from '@visapi/contracts';
import { sseFrame } from './sse-client';

/** A backlog entry ready to send: its Redis Stream id is its SSE id. */
export interface StreamEntry {
  id: string;
  type: EventType;
  /** The SSE frame, built once for every client. */
  frame: string;
}

const ID = /^(\d{1,16})-(\d{1,16})$/;
const KNOWN = new Set<string>(EVENT_TYPES);

/** A Redis Stream entry id (`<ms>-<seq>`), as a client may send back in Last-Event-ID. */
export const isStreamId = (id: string) => ID.test(id);

/** Orders two stream ids (both valid). */
export function compareIds(a: string, b: string): number {
  const [, am, as] = ID.exec(a)!;
  const [, bm, bs] = ID.exec(b)!;
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}

/** XRANGE / XREAD rows to entries; unknown event types (a newer release's) are skipped. */
export function toEntries(rows: Array<[string, string[]]>): StreamEntry[] {
  const entries: StreamEntry[] = [];
  for (const [id, fields] of rows) {
    let type: string | undefined;
    let data: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 't') type = fields[i + 1];
      else if (fields[i] === 'd') data = fields[i + 1];
    }
    if (type && data !== undefined && KNOWN.has(type)) entries.push({ id, type: type as EventType, frame: sseFrame(id, type, data) });
  }
  return entries;
}
