import { useCallback, useEffect, useState } from "react";
import type { ApiError } from "../bindings";

/** What every generated command returns. */
export type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: ApiError };

export type CommandState<T> =
  | { state: "loading" }
  | { state: "ok"; data: T }
  | { state: "error"; error: ApiError };

/** Turns a command's answer, or a failure to reach it at all, into a state. */
export async function settle<T>(run: () => Promise<CommandResult<T>>): Promise<CommandState<T>> {
  try {
    const r = await run();
    return r.status === "ok" ? { state: "ok", data: r.data } : { state: "error", error: r.error };
  } catch (e: unknown) {
    return { state: "error", error: { code: "internal", message: String(e) } };
  }
}

/** Runs a command on mount, and again on `reload()`, tracking its answer. */
export function useCommand<T>(run: () => Promise<CommandResult<T>>): {
  result: CommandState<T>;
  reload: () => void;
} {
  const [result, setResult] = useState<CommandState<T>>({ state: "loading" });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    void settle(run).then((r) => {
      if (live) setResult(r);
    });
    return () => {
      live = false;
    };
    // The command is chosen once per mount; `round` asks for a fresh answer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [round]);
  const reload = useCallback(() => {
    setResult({ state: "loading" });
    setRound((n) => n + 1);
  }, []);
  return { result, reload };
}
