/** Stable, namespaced error codes shared by every service; the gateway maps them to problem+json. */
export const ERROR_STATUS = {
  'AGENT.NOT_FOUND': 404,
  'AGENT.TERMINATED': 409,
  'AGENT.VERSION_MISMATCH': 412,
  'AGENT.REGISTRATION_CLOSED': 409,
  'QUARANTINE.ALREADY_ACTIVE': 409,
  'QUARANTINE.NOT_ACTIVE': 409,
  'QUARANTINE.TERMINATE_REQUIRES_ADMIN': 403,
  'APPROVAL.NOT_PENDING': 409,
  'HEALING.NOT_ACTIVE': 409,
  'HEALING.IN_PROGRESS': 409,
  'HEALING.NOT_ALLOWED': 409,
  'ESCALATION.NO_PATH': 422,
  'ESCALATION.APPROVAL_REQUIRED': 403,
  'ESCALATION.IRREVERSIBLE': 409,
  'ESCALATION.NOT_FOUND': 404,
  'ESCALATION.NOT_ACTIVE': 409,
  'ESCALATION.NOT_PENDING': 409,
  'ESCALATION.REQUIRES_ADMIN': 403,
  'ESCALATION.HUMAN_ONLY': 403,
  'ESCALATION.TYPE_NOT_ALLOWED': 422,
  'CONCURRENCY.CONFLICT': 409,
  'VALIDATION.FAILED': 400,
  'REQUEST.MALFORMED': 400,
  'REQUEST.IDEMPOTENCY_KEY_REUSED': 422,
  'REQUEST.PRECONDITION_INVALID': 400,
  'REQUEST.TOO_LARGE': 413,
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': 415,
  'AUTH.UNAUTHORIZED': 401,
  'AUTH.FORBIDDEN': 403,
  'KEY.NOT_FOUND': 404,
  'KEY.ALREADY_EXISTS': 409,
  'ROUTE.NOT_FOUND': 404,
  'SERVICE.UNAVAILABLE': 503,
  'SERVICE.TIMEOUT': 504,
  'CONFIG.INVALID': 400,
  'CONFIG.VERSION_MISMATCH': 412,
  'INTERNAL': 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  code: ErrorCode;
  title: string;
  detail: string;
  /** Facts that help the caller, e.g. the current `version` with AGENT.VERSION_MISMATCH. */
  extra?: Record<string, unknown>;
}

/** An expected refusal: carries a stable code; never a crash. */
export class ImmuneError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly title: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ImmuneError';
    this.status = ERROR_STATUS[code];
  }
  get detail(): string {
    return this.message;
  }
  toBody(): ErrorBody {
    return Object.keys(this.extra).length > 0
      ? { code: this.code, title: this.title, detail: this.message, extra: this.extra }
      : { code: this.code, title: this.title, detail: this.message };
  }
}

export function isImmuneError(e: unknown): e is ImmuneError {
  return e instanceof ImmuneError;
}
