import { useEffect, useRef } from "react";

/** One of the generated `events.*` objects. */
interface EventSource<T> {
  listen: (cb: (e: { payload: T }) => void) => Promise<() => void>;
}

/**
 * Calls `handler` with each payload of a backend event while the component is
 * mounted. The latest `handler` is used, so it may close over state freely.
 */
export function useEvent<T>(source: EventSource<T>, handler: (payload: T) => void) {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    let unlisten: (() => void) | undefined;
    let live = true;
    source
      .listen((e) => latest.current(e.payload))
      .then((stop) => (live ? (unlisten = stop) : stop()))
      .catch(() => undefined); // outside Tauri (unit tests, a plain browser) there are no events
    return () => {
      live = false;
      unlisten?.();
    };
  }, [source]);
}
