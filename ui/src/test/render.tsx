import { QueryClient } from "@tanstack/react-query";
import { createMemoryHistory, createRootRoute, createRouter, RouterProvider } from "@tanstack/react-router";
import { render as rtlRender, type RenderOptions } from "@testing-library/react";
import type { ReactElement, ReactNode } from "react";
import { App } from "../app/App";
import { QueryProvider } from "../app/query";
import { createAppRouter } from "../app/router";
import { parseSearch, stringifySearch } from "../app/searchState";

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

/**
 * `ui` as the only screen of a router in memory at `path` (for screens that keep their
 * settings in the URL), inside a fresh query cache; the router is returned to follow its location.
 */
export async function renderInRouter(ui: ReactElement, path = "/", client: QueryClient = testQueryClient()) {
  const rootRoute = createRootRoute({ component: () => ui });
  const router = createRouter({ routeTree: rootRoute, history: createMemoryHistory({ initialEntries: [path] }), parseSearch, stringifySearch });
  await router.load();
  const view = rtlRender(
    <QueryProvider client={client}>
      <RouterProvider router={router} />
    </QueryProvider>,
  );
  return { router, client, ...view };
}
