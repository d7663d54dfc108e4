import { QueryClient } from "@tanstack/react-query";
import { render as rtlRender, type RenderOptions } from "@testing-library/react";
import type { ReactElement, ReactNode } from "react";
import { QueryProvider } from "../app/query";

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
