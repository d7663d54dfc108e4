/**
 * The app's clock, as the window reads it. Rust's clock is the one that counts: a debug build
 * started "on a given day" (LEDGERKEEP_CLOCK_START) runs on from that day, and the demo's books
 * end there. The window learns how far that clock stands from this computer's once, at start
 * (`app_info`'s `nowUtc`), and moves every "now" it reads by as much.
 */
let offsetMs = 0;

/** Takes the app's clock as it stood at `at` (this computer's ms). A reading that is no instant changes nothing. */
export function setAppNow(appNowUtc: string, at: number = Date.now()): void {
  const t = Date.parse(appNowUtc);
  if (!Number.isNaN(t)) offsetMs = t - at;
}

/** Now, by the app's clock. */
export function appNow(): Date {
  return new Date(Date.now() + offsetMs);
}
