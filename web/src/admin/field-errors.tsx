import { ApiError, messageOf } from '../api.ts';

/** One part of a refused field's path: a name, or a position in a list ("hours.0.closes" → 0). */
export type PathPart = string | number;

/** Where a form shows a refusal: the key of its field, and the words naming it ("Monday's closing time"). */
export interface FieldPlace {
  readonly key: string;
  readonly label: string;
}

/** A form's refusals, each a sentence to show next to its field, by the form's own keys. */
export type FieldErrors = Readonly<Record<string, string>>;

/** "hours.0.closes" and "hours[0].closes" alike → ['hours', 0, 'closes']. */
export function pathOf(field: string): PathPart[] {
  return field
    .split(/[.[\]]+/)
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Reasons that continue the field's name ("… must be a time such as 09:30"); others follow a colon. */
const continuing = /^(must|is|are|overlaps|names|has|needs|cannot)\b/;

/** "Monday's closing time must be after the opening"; "The start: Pilar already works Monday…". */
function sentence(label: string, reason: string): string {
  return continuing.test(reason) ? `${label} ${reason}` : `${label}: ${reason}`;
}

/**
 * The server's refusal in the form's words: each refused field the form can place becomes a sentence
 * next to that field ("Monday's closing time must be a time such as 09:30"); `other` says the rest
 * and what could not be placed (the whole error when nothing could), for the form's status line.
 */
export function fieldErrorsOf(
  error: unknown,
  place: (path: PathPart[]) => FieldPlace | undefined,
): { fields: FieldErrors; other: string } {
  const problems = error instanceof ApiError ? (error.problem?.errors ?? []) : [];
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const problem of problems) {
    const placed = place(pathOf(problem.field));
    if (placed && fields[placed.key] === undefined)
      fields[placed.key] = sentence(placed.label, problem.reason);
    else if (!placed) rest.push(`${problem.field} ${problem.reason}`);
  }
  if (Object.keys(fields).length === 0) return { fields, other: messageOf(error) };
  // The status line repeats the sentences, so it reads whole on its own (and to a screen reader).
  return { fields, other: [...Object.values(fields), ...rest].join('; ') };
}

/** A place for fields named once in a form: the last name of the path → its label. */
export function placeByName(labels: Readonly<Record<string, string>>) {
  return (path: PathPart[]): FieldPlace | undefined => {
    const name = [...path].reverse().find((p): p is string => typeof p === 'string');
    return name !== undefined && labels[name] !== undefined
      ? { key: name, label: labels[name] }
      : undefined;
  };
}

/** The id of a field's error line, for aria-describedby. */
export const errorIdOf = (form: string, key: string) =>
  `${form}-error-${key.replace(/[^a-z0-9]+/gi, '-')}`;

/** Marks an input refused and ties it to its error line (nothing when it is not refused). */
export function invalidProps(errors: FieldErrors, form: string, key: string) {
  return errors[key] === undefined
    ? {}
    : { 'aria-invalid': true as const, 'aria-describedby': errorIdOf(form, key) };
}

/** The sentence saying why a field was refused, shown right next to it. */
export function FieldError({
  errors,
  form,
  field,
}: {
  errors: FieldErrors;
  form: string;
  field: string;
}) {
  const message = errors[field];
  if (message === undefined) return null;
  return (
    <span className="field-error" id={errorIdOf(form, field)} role="alert">
      {message}
    </span>
  );
}
