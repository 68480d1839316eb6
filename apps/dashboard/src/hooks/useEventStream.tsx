import { useQueryClient } from '@tanstack/react-query';
import { EVENT_TYPES, type EventData, type EventType } from '@visapi/contracts/events';
import { createContext, type ReactNode, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';

export type StreamStatus = 'connecting' | 'open' | 'closed';
type Listener = (type: EventType, data: unknown) => void;

/**
 * One EventSource per signed-in tab, shared by every component that listens. The browser
 * reconnects by itself and sends `Last-Event-ID`, so the server replays what was missed; when
 * it cannot (`stream.reset`), every query but the session's is refetched.
 */
class EventHub {
  private source: EventSource | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly statusListeners = new Set<() => void>();
  status: StreamStatus = 'closed';

  constructor(
    private readonly url: string,
    private readonly onReset: () => void,
  ) {}

  open() {
    if (this.source || typeof EventSource === 'undefined') return;
    const source = new EventSource(this.url, { withCredentials: true });
    this.source = source;
    this.setStatus('connecting');
    source.onopen = () => this.setStatus('open');
    source.onerror = () => this.setStatus(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        let data: unknown;
        try {
          data = JSON.parse((event as MessageEvent<string>).data);
        } catch {
          return;
        }
        if (type === 'stream.reset') this.onReset();
        for (const listener of this.listeners) listener(type, data);
      });
    }
  }

  close() {
    this.source?.close();
    this.source = undefined;
    this.setStatus('closed');
  }

  subscribe(listener: Listener) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  subscribeStatus = (listener: () => void) => {
    this.statusListeners.add(listener);
    return () => void this.statusListeners.delete(listener);
  };

  private setStatus(status: StreamStatus) {
    this.status = status;
    for (const listener of this.statusListeners) listener();
  }
}

const HubContext = createContext<EventHub | undefined>(undefined);

/** Opens the event stream for the signed-in shell; closes it on sign-out (unmount). */
export function EventStreamProvider({ children, url = '/api/v1/events' }: { children: ReactNode; url?: string }) {
  const client = useQueryClient();
  // The session (/auth/me) is no event's business: refreshing it is left to its own reads.
  const [hub] = useState(() => new EventHub(url, () => void client.invalidateQueries({ predicate: (query) => query.queryKey[0] !== 'auth' })));
  useEffect(() => {
    hub.open();
    return () => hub.close();
  }, [hub]);
  return <HubContext.Provider value={hub}>{children}</HubContext.Provider>;
}

/**
 * Calls `handler` for each event of the given types. The handler may change between renders
 * without reopening anything.
 */
export function useEventStream<T extends EventType>(types: readonly T[], handler: (type: T, data: EventData<T>) => void) {
  const hub = useContext(HubContext);
  const ref = useRef(handler);
  ref.current = handler;
  const key = types.join(',');
  useEffect(() => {
    if (!hub) return;
    const wanted = new Set<EventType>(key.split(',') as EventType[]);
    return hub.subscribe((type, data) => {
      if (wanted.has(type)) ref.current(type as T, data as EventData<T>);
    });
  }, [hub, key]);
}

/** Whether live updates are flowing: for the "Live" indicator. */
export function useEventStreamStatus(): StreamStatus {
  const hub = useContext(HubContext);
  return useSyncExternalStore(hub?.subscribeStatus ?? noopSubscribe, () => hub?.status ?? 'closed');
}
const noopSubscribe = () => () => undefined;
