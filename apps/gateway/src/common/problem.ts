import { ERROR_STATUS, ImmuneError, isImmuneError, type ErrorCode } from '@immune/contracts';

/**
 * RFC 9457 problem details, the body of every error the gateway answers. No Nest import: the exception filter
 * and the idempotency interceptor both build their bodies here, and unit specs test it without the framework.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Codes of contracts/errors.ts plus the transport-level ones only the gateway meets. */
export type ProblemCode = ErrorCode;

export interface FieldError {
  field: string;
  messages: string[];
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  instance?: string;
  errors?: FieldError[];
  /** Extra members a refusal carries, e.g. the current `version` on AGENT.VERSION_MISMATCH. */
  [extension: string]: unknown;
}

const TITLES: Record<ProblemCode, string> = {
  'AGENT.NOT_FOUND': 'Agent not found',
  'AGENT.TERMINATED': 'Agent terminated',
  'AGENT.REGISTRATION_CLOSED': 'Registration closed',
  'AGENT.VERSION_MISMATCH': 'Precondition failed',
  'QUARANTINE.ALREADY_ACTIVE': 'Quarantine already active',
  'QUARANTINE.NOT_ACTIVE': 'No active quarantine',
  'QUARANTINE.TERMINATE_REQUIRES_ADMIN': 'Termination requires an admin',
  'APPROVAL.NOT_PENDING': 'No approval pending',
  'ESCALATION.NO_PATH': 'No escalation path',
  'ESCALATION.APPROVAL_REQUIRED': 'Approval required',
  'ESCALATION.IRREVERSIBLE': 'Irreversible escalation',
  'ESCALATION.NOT_FOUND': 'Escalation not found',
  'ESCALATION.NOT_ACTIVE': 'Escalation not active',
  'ESCALATION.NOT_PENDING': 'Escalation not pending',
  'ESCALATION.REQUIRES_ADMIN': 'Admin required',
  'ESCALATION.HUMAN_ONLY': 'A human must decide',
  'ESCALATION.TYPE_NOT_ALLOWED': 'Type not allowed',
  'HEALING.NOT_ACTIVE': 'Healing not active',
  'HEALING.IN_PROGRESS': 'Healing in progress',
  'HEALING.NOT_ALLOWED': 'Healing not allowed',
  'CONCURRENCY.CONFLICT': 'Concurrent request',
  'VALIDATION.FAILED': 'Validation failed',
  'REQUEST.MALFORMED': 'Malformed request',
  'REQUEST.IDEMPOTENCY_KEY_REUSED': 'Idempotency key reused',
  'REQUEST.PRECONDITION_INVALID': 'Invalid precondition',
  'REQUEST.TOO_LARGE': 'Request too large',
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': 'Unsupported media type',
  'AUTH.UNAUTHORIZED': 'Unauthorized',
  'AUTH.FORBIDDEN': 'Forbidden',
  'KEY.NOT_FOUND': 'API key not found',
  'KEY.ALREADY_EXISTS': 'API key already exists',
  'ROUTE.NOT_FOUND': 'Route not found',
  'SERVICE.UNAVAILABLE': 'Service unavailable',
  'SERVICE.TIMEOUT': 'Service timeout',
  'CONFIG.INVALID': 'Invalid configuration',
  'CONFIG.VERSION_MISMATCH': 'Precondition failed',
  INTERNAL: 'Internal error',
};

const LOCAL_STATUS: Record<Exclude<ProblemCode, ErrorCode>, number> = {
  'REQUEST.TOO_LARGE': 413,
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': 415,
};

export function statusOf(code: ProblemCode): number {
  return code in ERROR_STATUS ? ERROR_STATUS[code as ErrorCode] : LOCAL_STATUS[code as Exclude<ProblemCode, ErrorCode>];
}

export function titleOf(code: ProblemCode): string {
  return TITLES[code];
}

/** A stable URI per code (a URN: nothing to fetch, but never changes). */
export function problemType(code: ProblemCode): string {
  return `urn:immune:problem:${code}`;
}

export function isProblemCode(code: unknown): code is ProblemCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(TITLES, code);
}

export function buildProblem(
  code: ProblemCode,
  detail: string,
  opts: { title?: string; instance?: string; errors?: FieldError[]; status?: number; extra?: Record<string, unknown> } = {},
): Problem {
  const problem: Problem = {
    type: problemType(code),
    title: opts.title ?? titleOf(code),
    status: opts.status ?? statusOf(code),
    detail,
    code,
  };
  if (opts.instance !== undefined) problem.instance = opts.instance;
  if (opts.errors !== undefined) problem.errors = opts.errors;
  // Extension members (e.g. the current `version`) come last and never replace a standard member.
  for (const [k, v] of Object.entries(opts.extra ?? {})) if (!(k in problem)) problem[k] = v;
  return problem;
}

/** An ImmuneError for a class-validator style failure with per-field messages. */
export function validationError(errors: FieldError[], detail?: string): ImmuneError {
  const text = detail ?? errors.map((e) => e.messages.join('; ')).join('; ');
  return new ImmuneError('VALIDATION.FAILED', titleOf('VALIDATION.FAILED'), text || 'The request is invalid.', { errors });
}

/** What the filter needs to answer one error: the body, and whether it is a fault worth logging. */
export interface MappedError {
  problem: Problem;
  /** 5xx that we did not expect: log with the stack. */
  unexpected: boolean;
  /** Extra response headers (e.g. WWW-Authenticate). */
  headers: Record<string, string>;
}

interface HttpExceptionLike {
  getStatus(): number;
  getResponse(): unknown;
  message: string;
  cause?: unknown;
}

function isHttpExceptionLike(e: unknown): e is HttpExceptionLike {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as HttpExceptionLike).getStatus === 'function' &&
    typeof (e as HttpExceptionLike).getResponse === 'function'
  );
}

interface HttpErrorLike {
  statusCode: number;
  expose?: boolean;
  message: string;
  type?: string;
}

function isHttpErrorLike(e: unknown): e is HttpErrorLike {
  return e instanceof Error && typeof (e as unknown as HttpErrorLike).statusCode === 'number';
}

/**
 * Maps anything thrown while answering a request to a problem. Stable codes for what we know; a plain 500
 * `INTERNAL` with a generic detail (never the message of an unknown error) for everything else.
 */
export function problemFromError(e: unknown, instance?: string): MappedError {
  const headers: Record<string, string> = {};
  if (isImmuneError(e)) {
    const { errors, ...extra } = e.extra as { errors?: FieldError[] } & Record<string, unknown>;
    if (e.code === 'AUTH.UNAUTHORIZED') headers['WWW-Authenticate'] = 'Bearer realm="immune"';
    const opts: Parameters<typeof buildProblem>[2] = { title: e.title, extra };
    if (instance !== undefined) opts.instance = instance;
    if (Array.isArray(errors)) opts.errors = errors;
    return { problem: buildProblem(e.code, e.message, opts), unexpected: e.status >= 500 && e.code === 'INTERNAL', headers };
  }
  const withInstance = instance === undefined ? {} : { instance };
  let status: number | undefined;
  let message = '';
  let cause: unknown;
  if (isHttpExceptionLike(e)) {
    status = e.getStatus();
    message = e.message;
    cause = e.cause;
  } else if (isHttpErrorLike(e)) {
    status = e.statusCode;
    message = e.expose === false ? '' : e.message;
    cause = e;
  }
  if (status !== undefined && status < 500) {
    if (status === 404) return { problem: buildProblem('ROUTE.NOT_FOUND', notFoundDetail(message), withInstance), unexpected: false, headers };
    if (status === 413) {
      return { problem: buildProblem('REQUEST.TOO_LARGE', 'The request body is larger than the gateway accepts.', withInstance), unexpected: false, headers };
    }
    if (status === 415) {
      return { problem: buildProblem('REQUEST.UNSUPPORTED_MEDIA_TYPE', message || 'Unsupported content type.', withInstance), unexpected: false, headers };
    }
    if (status === 401) {
      headers['WWW-Authenticate'] = 'Bearer realm="immune"';
      return { problem: buildProblem('AUTH.UNAUTHORIZED', 'A valid API key is required.', withInstance), unexpected: false, headers };
    }
    if (status === 403) return { problem: buildProblem('AUTH.FORBIDDEN', 'Your key may not do this.', withInstance), unexpected: false, headers };
    if (cause instanceof SyntaxError || isBodyParseError(cause)) {
      return { problem: buildProblem('REQUEST.MALFORMED', 'The request body is not valid JSON (a JSON object is expected).', withInstance), unexpected: false, headers };
    }
    return {
      problem: buildProblem('REQUEST.MALFORMED', message || 'The request cannot be processed.', { ...withInstance, status }),
      unexpected: false,
      headers,
    };
  }
  return {
    problem: buildProblem('INTERNAL', 'An unexpected error occurred; it has been logged.', withInstance),
    unexpected: true,
    headers,
  };
}

function isBodyParseError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as HttpErrorLike).type === 'entity.parse.failed';
}

function notFoundDetail(message: string): string {
  // Nest says "Cannot GET /x"; keep it, it names the route that is missing.
  return message && message.startsWith('Cannot ') ? `${message}.` : 'No route matches this request.';
}
