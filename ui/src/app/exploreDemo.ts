import { useState } from "react";
import { commands, type ApiError } from "../bindings";
import { settle } from "./query";

export type ExploreState =
  | { phase: "idle" | "working" }
  | { phase: "done"; names: string[] }
  | { phase: "failed"; error: ApiError };

/** Connects the built-in demo company (and syncs it); `onDone` runs once it is kept. */
export function useExploreDemo(onDone: () => void): { state: ExploreState; explore: () => Promise<void> } {
  const [state, setState] = useState<ExploreState>({ phase: "idle" });
  const explore = async () => {
    setState({ phase: "working" });
    const r = await settle(commands.exploreDemo);
    if (r.state === "ok") {
      setState({ phase: "done", names: r.data.map((o) => o.name) });
      onDone();
    } else if (r.state === "error") {
      setState({ phase: "failed", error: r.error });
    }
  };
  return { state, explore };
}
