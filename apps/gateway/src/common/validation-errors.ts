import type { FieldError } from './problem';

/** The shape of class-validator's ValidationError that we read (kept structural: no framework import). */
export interface ValidationErrorLike {
  property?: string;
  constraints?: Record<string, string>;
  children?: ValidationErrorLike[];
}

/** Flattens class-validator errors to `{ field, messages }`, nested fields as `a.b`; the body itself is `body`. */
export function flattenValidationErrors(errors: ValidationErrorLike[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const name = e.property ? (parent ? `${parent}.${e.property}` : e.property) : parent || 'body';
    const messages = Object.values(e.constraints ?? {}).map((m) => (m === 'an unknown value was passed to the validate function' ? 'the body must be a JSON object' : m));
    if (messages.length) out.push({ field: name, messages });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, name));
  }
  return out;
}
