import { screenBySlug } from "../app/screens";
import { EmptyState } from "../components/EmptyState";
import { SettingsScreen } from "./SettingsScreen";

/** Picks the screen for a route. Screens not built yet show what will appear there. */
export function ScreenPage({ slug }: { slug: string }) {
  const screen = screenBySlug(slug);
  if (!screen) {
    return (
      <section>
        <h1 tabIndex={-1}>Not found</h1>
        <EmptyState heading="There is no such screen" body="Pick a screen from the list on the left." />
      </section>
    );
  }
  if (screen.slug === "settings") return <SettingsScreen />;
  return (
    <section data-testid={`screen-${screen.slug}`}>
      <h1 tabIndex={-1}>{screen.title}</h1>
      <EmptyState heading={screen.empty.heading} body={screen.empty.body} />
    </section>
  );
}
