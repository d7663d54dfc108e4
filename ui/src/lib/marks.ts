/**
 * Performance marks that the app benchmark (`make bench-app`) reads through
 * `performance.getEntriesByName`: when the first screen shows its first answer
 * from Rust, and when the explorer's first rows are on screen. Marking costs
 * nothing the owner sees.
 */
export const MARKS = {
  firstScreen: "ledgerkeep:first-screen",
  explorerRows: "ledgerkeep:explorer-rows",
} as const;

/**
 * Marks `name` once the DOM just committed has been painted: a timeout queued
 * from the next animation frame runs after that frame's paint.
 */
export function markAfterPaint(name: string, once = false): void {
  if (typeof requestAnimationFrame !== "function" || typeof performance?.mark !== "function") return;
  requestAnimationFrame(() =>
    setTimeout(() => {
      if (once && performance.getEntriesByName(name).length > 0) return;
      performance.mark(name);
    }, 0),
  );
}
