import { QueryClient } from "@tanstack/react-query";
import { createMemoryHistory } from "@tanstack/react-router";
import { render as rtlRender, type RenderOptions } from "@testing-library/react";
import type { ReactElement, ReactNode } from "react";
import { App } from "../app/App";
import { QueryProvider } from "../app/query";
import { createAppRouter } from "../app/router";

/** A fresh cache per test: no answer carries over, and a refused command is not retried. */
export function testQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } } });
}

/** Testing Library's `render` inside the app's query provider (with its ledger-changed invalidation). */
export function render(ui: ReactElement, options: Omit<RenderOptions, "wrapper"> & { client?: QueryClient } = {}) {
  const { client = testQueryClient(), ...rest } = options;
  const Wrapper = ({ children }: { children: ReactNode }) => <QueryProvider client={client}>{children}</QueryProvider>;
  return { client, ...rtlRender(ui, { ...rest, wrapper: Wrapper }) };
}

/** The whole app (shell, router, cache) at `path`, in memory; the router is returned to follow or move its location. */
export function renderApp(path: string, client: QueryClient = testQueryClient()) {
  const router = createAppRouter(createMemoryHistory({ initialEntries: [path] }));
  const view = rtlRender(<App router={router} queryClient={client} />);
  return { router, client, ...view };
}
