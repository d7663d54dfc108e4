import {
  createHashHistory,
  createRootRoute,
  createRoute,
  createRouter,
  notFound,
  redirect,
  type RouterHistory,
} from "@tanstack/react-router";
import { AppShell } from "./AppShell";
import { isRecordEntity, validateTransactionsSearch } from "./records";
import { parseSearch, stringifySearch } from "./searchState";
import { SCREENS } from "./screens";
import { ScreenPage } from "../screens/ScreenPage";
import { ScreenError } from "../screens/ScreenError";
import { TransactionsScreen } from "../screens/TransactionsScreen";
import { AttachmentList } from "../features/attachments/AttachmentViewer";
import { RecordPage, type AttachmentsView } from "../features/records/RecordPage";
import { ConnectXeroGuide } from "../features/onboarding/ConnectXeroGuide";

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

/** "Connect your own Xero": the first-run guide, also linked from Settings. */
const connectXeroRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/connect-xero",
  component: ConnectXeroGuide,
});

/** The explorer, its filters in the search (`?kind=invoices&text=acme`). */
const transactionsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/transactions",
  validateSearch: validateTransactionsSearch,
  component: TransactionsScreen,
});

/**
 * The explorer's old drawer address, `/transactions/invoice/<Xero id>`: a link kept from before
 * every record opened as a page of its own goes to that page, in place of the drawer's entry.
 */
const recordRoute = createRoute({
  getParentRoute: () => transactionsRoute,
  path: "$entity/$id",
  beforeLoad: ({ params }) => {
    if (!isRecordEntity(params.entity)) throw notFound();
    throw redirect({ to: "/records/$entity/$id", params: { entity: params.entity, id: params.id }, replace: true });
  },
});

/** A record's files, listed and shown by the offline attachment viewer. */
const viewAttachments: AttachmentsView = ({ tenantId, entity, xeroId, attachments }) => (
  <AttachmentList tenantId={tenantId} entity={entity} xeroId={xeroId} attachments={attachments} />
);

/** A record as a page of its own, to link to and to step back from: `/records/creditNote/<Xero id>`. */
const recordPageRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/records/$entity/$id",
  beforeLoad: ({ params }) => {
    if (!isRecordEntity(params.entity)) throw notFound();
  },
  component: function Record() {
    const { entity, id } = recordPageRoute.useParams();
    return isRecordEntity(entity) ? <RecordPage key={`${entity}/${id}`} entity={entity} xeroId={id} renderAttachments={viewAttachments} /> : null;
  },
});

/** Hash history: the app is served from one file, and a reload keeps the screen (and the record). */
export function createAppRouter(history: RouterHistory = createHashHistory()) {
  return createRouter({
    routeTree: rootRoute.addChildren([indexRoute, transactionsRoute.addChildren([recordRoute]), recordPageRoute, connectXeroRoute, screenRoute]),
    history,
    // Search values stay text: an amount or a date in a link is never parsed to a number.
    parseSearch,
    stringifySearch,
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
