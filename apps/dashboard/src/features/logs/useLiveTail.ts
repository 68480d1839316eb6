import type { LogEntry } from '@visapi/contracts';
import { useEffect, useRef, useState } from 'react';
import { fetchLogsSince } from '../../api/logs';
import { type StreamStatus, useEventStream, useEventStreamStatus } from '../../hooks/useEventStream';
import { addLiveRows, type LogFilters, matchesLogFilters, newestId, type TailState } from './log-rows';

/** The most live rows kept; past it only the newest are shown, without the paged list below them. */
export const MAX_LIVE_ROWS = 500;

const EMPTY: TailState = { rows: [], overflowed: false };
const withRows = (state: TailState, incoming: LogEntry[]) => addLiveRows(state, incoming, MAX_LIVE_ROWS);

/**
 * The live tail of the logs explorer: while `on`, each `log.created` event matching the filters
 * is added; on turning on and on every reconnect of the stream, the rows written since the
 * newest one shown are fetched (`sinceId`), so nothing is missed. Turning off refreshes the
 * paged list (which then holds the live rows) and lets the live rows go.
 */
export function useLiveTail(filters: LogFilters, on: boolean, shown: readonly LogEntry[], refetchList: () => Promise<unknown>) {
  const [state, setState] = useState<TailState>(EMPTY);
  const [error, setError] = useState<unknown>(null);
  const status: StreamStatus = useEventStreamStatus();
  const filterKey = JSON.stringify(filters);

  // The catch-up reads the newest values, not those of the render that started it.
  const latest = useRef({ on, filters, filterKey, shown, rows: state.rows, refetchList });
  latest.current = { on, filters, filterKey, shown, rows: state.rows, refetchList };

  // Rows that matched other filters do not belong here; the list refetches for the new ones.
  const firstFilters = useRef(filterKey);
  useEffect(() => {
    if (filterKey === firstFilters.current) return;
    firstFilters.current = filterKey;
    setState(EMPTY);
  }, [filterKey]);

  useEventStream(['log.created'], (_type, entry) => {
    if (on && matchesLogFilters(entry, filters)) setState((current) => withRows(current, [entry]));
  });

  const tailing = on && status === 'open';
  useEffect(() => {
    if (!tailing) return;
    let cancelled = false;
    const { filters: asked, filterKey: askedKey, shown: list, rows } = latest.current;
    const sinceId = newestId([...rows, ...list]);
    // Nothing shown yet to count from: the list itself is the catch-up.
    if (sinceId === undefined) {
      void latest.current.refetchList();
      return;
    }
    fetchLogsSince(asked, sinceId, MAX_LIVE_ROWS).then(
      ({ items, complete }) => {
        if (cancelled || latest.current.filterKey !== askedKey) return;
        setError(null);
        if (complete) {
          setState((current) => withRows(current, items));
        } else {
          // Too much was missed to keep in the tail: start again from the list's newest page.
          setState(EMPTY);
          void latest.current.refetchList();
        }
      },
      (failure: unknown) => !cancelled && setError(failure),
    );
    return () => void (cancelled = true);
  }, [tailing]);

  const wasOn = useRef(on);
  useEffect(() => {
    if (wasOn.current && !on) {
      void latest.current.refetchList().then(() => {
        if (!latest.current.on) setState(EMPTY);
      });
    }
    wasOn.current = on;
  }, [on]);

  return { ...state, status, error };
}
