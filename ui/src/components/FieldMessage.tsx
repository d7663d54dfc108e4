import type { ApiError } from "../bindings";

/** The field errors of a form's refusal, by field name. */
export function fieldErrors(error: ApiError | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of error?.fields ?? []) out[f.field] = f.message;
  return out;
}

/** The message beside a refused input (its id is `error-<field>`, for `aria-describedby`). */
export function FieldMessage({ errors, field }: { errors: Record<string, string>; field: string }) {
  const message = errors[field];
  if (!message) return null;
  return (
    <span className="error field-error" role="alert" id={`error-${field}`} data-testid={`error-${field}`}>
      {message}
    </span>
  );
}
