import type { AnomalyRecordView } from "../bindings";

/** A record another screen asked the Transactions screen to open in its drawer. */
let pending: AnomalyRecordView | null = null;

/** Asks the Transactions screen, when it next mounts, to open `record`. */
export function requestOpen(record: AnomalyRecordView): void {
  pending = record;
}

/** The record to open, once: the request is forgotten as it is taken. */
export function takeOpenRequest(): AnomalyRecordView | null {
  const r = pending;
  pending = null;
  return r;
}
