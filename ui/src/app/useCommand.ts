import { useEffect, useState } from "react";
import type { ApiError } from "../bindings";

/** What every generated command returns. */
export type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: ApiError };

export type CommandState<T> =
  | { state: "loading" }
  | { state: "ok"; data: T }
  | { state: "error"; error: ApiError };

/** Runs a command once on mount and tracks its answer. */
export function useCommand<T>(run: () => Promise<CommandResult<T>>): CommandState<T> {
  const [result, setResult] = useState<CommandState<T>>({ state: "loading" });
  useEffect(() => {
    let live = true;
    run().then(
      (r) => {
        if (live) setResult(r.status === "ok" ? { state: "ok", data: r.data } : { state: "error", error: r.error });
      },
      (e: unknown) => {
        if (live) setResult({ state: "error", error: { code: "internal", message: String(e) } });
      },
    );
    return () => {
      live = false;
    };
    // The command is chosen once per mount.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return result;
}
