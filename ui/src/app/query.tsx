import {
  QueryClient,
  QueryClientProvider,
  skipToken,
  useInfiniteQuery,
  useQuery,
  useQueryClient,
  type QueryKey,
  type UseQueryOptions,
  type UseQueryResult,
} from "@tanstack/react-query";
import { useCallback, useMemo, type ReactNode } from "react";
import { events, type ApiError } from "../bindings";
import { useEvent } from "./useEvent";

/** What every generated command returns. */
export type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: ApiError };

/** A command's answer as a screen shows it: still coming, the data, or the error. */
export type CommandState<T> =
  | { state: "loading" }
  | { state: "ok"; data: T }
  | { state: "error"; error: ApiError };

// A failed command rejects with the command's own `{code, message, fields}`, so
// `query.error` and `mutation.error` are ApiErrors, never wrapped.
declare module "@tanstack/react-query" {
  interface Register {
    defaultError: ApiError;
  }
}

/** Turns a command's answer, or a failure to reach it at all, into a state. */
export async function settle<T>(run: () => Promise<CommandResult<T>>): Promise<CommandState<T>> {
  try {
    const r = await run();
    return r.status === "ok" ? { state: "ok", data: r.data } : { state: "error", error: r.error };
  } catch (e: unknown) {
    return { state: "error", error: { code: "internal", message: String(e) } };
  }
}

/** A command as a query or mutation function: its data, or it rejects with its ApiError. */
export async function call<T>(run: () => Promise<CommandResult<T>>): Promise<T> {
  const r = await settle(run);
  if (r.state === "error") throw r.error;
  if (r.state === "ok") return r.data;
  throw { code: "internal", message: "no answer" } satisfies ApiError;
}

/** A query's or mutation's status in the shape the screens branch on. */
export function stateOf<T>(q: Pick<UseQueryResult<T, ApiError>, "status" | "data" | "error">): CommandState<T> {
  if (q.status === "success") return { state: "ok", data: q.data as T };
  if (q.status === "error") return { state: "error", error: q.error as ApiError };
  return { state: "loading" };
}

/**
 * Reads a command through the cache under `key` (`[commandName, ...args]`); with
 * `run` null (nothing to ask yet) it waits, loading. `result` is the state to
 * show; `reload()` forgets the answer (the screen shows it loading) and asks again.
 */
export function useCommandQuery<T>(
  key: QueryKey,
  run: (() => Promise<CommandResult<T>>) | null,
  options: Omit<UseQueryOptions<T, ApiError, T, QueryKey>, "queryKey" | "queryFn"> = {},
): { query: UseQueryResult<T, ApiError>; result: CommandState<T>; reload: () => void } {
  const client = useQueryClient();
  const query = useQuery({ ...options, queryKey: key, queryFn: run ? () => call(run) : skipToken });
  const hash = JSON.stringify(key);
  const reload = useCallback(() => {
    void client.resetQueries({ queryKey: JSON.parse(hash) as QueryKey, exact: true });
  }, [client, hash]);
  const { status, data, error } = query;
  const result = useMemo(() => stateOf<T>({ status, data, error }), [status, data, error]);
  return { query, result, reload };
}

/** A page of a listing read by keyset: its rows, and the cursor of the next page (null at the end). */
export interface Page<R> {
  rows: R[];
  nextCursor: string | null;
}

/**
 * Reads a listing a page at a time through the cache under `key` (`[commandName, request]`,
 * without the cursor); `run(after)` asks for the page after a cursor (null: the first). With
 * `run` null it waits. `rows` are the pages read so far, in order; `loading` is true while the
 * first page or the next one is read.
 */
export function useCommandPages<R>(key: QueryKey, run: ((after: string | null) => Promise<CommandResult<Page<R>>>) | null) {
  const query = useInfiniteQuery({
    queryKey: key,
    queryFn: run ? ({ pageParam }) => call(() => run(pageParam)) : skipToken,
    initialPageParam: null as string | null,
    getNextPageParam: (last: Page<R>) => last.nextCursor,
  });
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.rows) ?? [], [query.data]);
  return { query, rows, loading: query.isLoading || query.isFetchingNextPage };
}

/**
 * The app's cache. Commands answer from this computer: a refusal is an answer
 * and is not retried, and switching windows is no reason to read again (the
 * backend says when the ledger changed).
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false, refetchOnReconnect: false },
      mutations: { retry: false },
    },
  });
}

/** When a sync or a payment changes the ledger, every cached answer is stale: the ones on screen are read again. */
function InvalidateOnLedgerChange() {
  const client = useQueryClient();
  useEvent(events.ledgerChanged, () => void client.invalidateQueries());
  return null;
}

/** Provides the cache, and keeps it in step with the ledger. */
export function QueryProvider({ client, children }: { client: QueryClient; children: ReactNode }) {
  return (
    <QueryClientProvider client={client}>
      <InvalidateOnLedgerChange />
      {children}
    </QueryClientProvider>
  );
}
