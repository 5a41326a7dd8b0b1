import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiResponse } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../common/problem';

const PROBLEM_TEXT: Record<number, string> = {
  400: 'VALIDATION.FAILED (with `errors` per field), REQUEST.MALFORMED or REQUEST.PRECONDITION_INVALID',
  401: 'AUTH.UNAUTHORIZED: no valid API key',
  403: 'AUTH.FORBIDDEN: the key\'s role is too low',
  404: 'Not found (AGENT.NOT_FOUND, KEY.NOT_FOUND or ROUTE.NOT_FOUND)',
  409: 'Conflict (e.g. QUARANTINE.ALREADY_ACTIVE, QUARANTINE.NOT_ACTIVE, APPROVAL.NOT_PENDING, AGENT.TERMINATED, KEY.ALREADY_EXISTS, CONCURRENCY.CONFLICT)',
  412: 'AGENT.VERSION_MISMATCH: If-Match names a version that is no longer current',
  413: 'REQUEST.TOO_LARGE',
  422: 'REQUEST.IDEMPOTENCY_KEY_REUSED: the Idempotency-Key was used for another request',
  500: 'INTERNAL',
  503: 'SERVICE.UNAVAILABLE: the quarantine service is not running',
  504: 'SERVICE.TIMEOUT: no answer, or the read models did not catch up, in time',
};

/** Documents error answers as application/problem+json. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_TEXT[status] ?? 'Error',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
      }),
    ),
  );
}

/** A read route: bearer key with at least `viewer`. */
export function ApiRead() {
  return applyDecorators(ApiBearerAuth(), ApiProblems(400, 401, 403, 500));
}

/** A write route: bearer key, Idempotency-Key, and the errors every write may answer. */
export function ApiWrite() {
  return applyDecorators(
    ApiBearerAuth(),
    ApiHeader({
      name: 'idempotency-key',
      required: false,
      description:
        'Makes the write safe to retry: a repeat within 24 h returns the first answer (header `Idempotent-Replayed: true`); ' +
        'the same key with another request is 422, while the first is still running 409.',
    }),
    ApiProblems(400, 401, 403, 409, 413, 422, 500, 503, 504),
  );
}

/** Writes on one agent also take If-Match. */
export function ApiAgentWrite() {
  return applyDecorators(
    ApiWrite(),
    ApiHeader({
      name: 'if-match',
      required: false,
      description: 'The agent version the change is based on (its ETag, quoted or not; `*` = any). Stale → 412.',
    }),
    ApiProblems(404, 412),
  );
}

export function ApiJsonBody(schemaName: string, description?: string) {
  return ApiBody({ schema: { $ref: `#/components/schemas/${schemaName}` }, ...(description ? { description } : {}) });
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const listOf = (name: string) => ({
  type: 'object',
  required: ['items', 'total', 'nextCursor'],
  properties: {
    items: { type: 'array', items: ref(name) },
    total: { type: 'integer', description: 'Rows matching the filters (all pages).' },
    nextCursor: { type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last page.' },
  },
});
