import {
  createHashHistory,
  createRootRoute,
  createRoute,
  createRouter,
  redirect,
  type RouterHistory,
} from "@tanstack/react-router";
import { AppShell } from "./AppShell";
import { SCREENS } from "./screens";
import { ScreenPage } from "../screens/ScreenPage";
import { ScreenError } from "../screens/ScreenError";

const rootRoute = createRootRoute({ component: AppShell });

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  beforeLoad: () => {
    throw redirect({ to: "/$screen", params: { screen: "dashboard" } });
  },
});

const screenRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/$screen",
  component: function Screen() {
    const { screen } = screenRoute.useParams();
    return <ScreenPage slug={screen} />;
  },
});

/** Hash history: the app is served from one file, and a reload keeps the screen. */
export function createAppRouter(history: RouterHistory = createHashHistory()) {
  return createRouter({
    routeTree: rootRoute.addChildren([indexRoute, screenRoute]),
    history,
    defaultNotFoundComponent: () => <ScreenPage slug="" />,
    defaultErrorComponent: ScreenError,
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;

declare module "@tanstack/react-router" {
  interface Register {
    router: AppRouter;
  }
}

export const SCREEN_PATHS = SCREENS.map((s) => `/${s.slug}`);
