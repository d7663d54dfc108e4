import { commands, type TrackingCategoryView, type TrackingFilterDto } from "../bindings";
import { useCommandQuery } from "../app/query";

/** A tracking option as a select's value: `categoryId/optionId` (ids hold no `/`). */
export function trackingValue(t: TrackingFilterDto | null): string {
  return t ? `${t.categoryId}/${t.optionId}` : "";
}

/** A select's value back as a tracking option; none for "" or anything else. */
export function parseTracking(v: string | undefined | null): TrackingFilterDto | null {
  const [, categoryId, optionId] = /^([^/]+)\/([^/]+)$/.exec(v ?? "") ?? [];
  return categoryId && optionId ? { categoryId, optionId } : null;
}

/** The organisation's tracking categories with their options, cached per organisation. */
export function useTrackingCategories(tenantId: string | null): TrackingCategoryView[] {
  const { result } = useCommandQuery(
    ["listTrackingCategories", tenantId],
    tenantId ? () => commands.listTrackingCategories({ tenantId }) : null,
  );
  return result.state === "ok" ? result.data : [];
}

/**
 * Picks one option of one tracking category (or every line). Shows nothing
 * when the organisation has no tracking categories.
 */
export function TrackingPicker({
  categories,
  value,
  onChange,
  testId = "tracking-filter",
}: {
  categories: TrackingCategoryView[];
  value: TrackingFilterDto | null;
  onChange: (t: TrackingFilterDto | null) => void;
  testId?: string;
}) {
  if (categories.length === 0) return null;
  return (
    <select aria-label="Tracking" data-testid={testId} value={trackingValue(value)} onChange={(e) => onChange(parseTracking(e.target.value))}>
      <option value="">All tracking</option>
      {categories.map((c) => (
        <optgroup key={c.categoryId} label={c.name}>
          {c.options.map((o) => (
            <option key={o.optionId} value={trackingValue({ categoryId: c.categoryId, optionId: o.optionId })}>
              {c.name}: {o.name}
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  );
}
