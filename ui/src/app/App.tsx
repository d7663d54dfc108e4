import type { QueryClient } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { useState } from "react";
import { createQueryClient, QueryProvider } from "./query";
import type { AppRouter } from "./router";

/** The router inside the one query cache of the window. */
export function App({ router, queryClient }: { router: AppRouter; queryClient?: QueryClient }) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  return (
    <QueryProvider client={client}>
      <RouterProvider router={router} />
    </QueryProvider>
  );
}
