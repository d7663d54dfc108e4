import type { ErrorComponentProps } from "@tanstack/react-router";

/** A screen that failed to draw: say so plainly, keep the navigation, offer a retry. */
export function ScreenError({ error, reset }: ErrorComponentProps) {
  return (
    <section role="alert" data-testid="screen-error">
      <h1 tabIndex={-1}>This screen could not be shown</h1>
      <p>Your data is safe: nothing was changed. Try again, or pick another screen.</p>
      <p className="muted">{error instanceof Error ? error.message : String(error)}</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </section>
  );
}
