"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ImmuneError = exports.ERROR_STATUS = void 0;
exports.isImmuneError = isImmuneError;
/** Stable, namespaced error codes shared by every service; the gateway maps them to problem+json. */
exports.ERROR_STATUS = {
    'AGENT.NOT_FOUND': 404,
    'AGENT.TERMINATED': 409,
    'AGENT.VERSION_MISMATCH': 412,
    'QUARANTINE.ALREADY_ACTIVE': 409,
    'QUARANTINE.NOT_ACTIVE': 409,
    'QUARANTINE.TERMINATE_REQUIRES_ADMIN': 403,
    'CONCURRENCY.CONFLICT': 409,
    'VALIDATION.FAILED': 400,
    'REQUEST.MALFORMED': 400,
    'REQUEST.IDEMPOTENCY_KEY_REUSED': 422,
    'REQUEST.PRECONDITION_INVALID': 400,
    'AUTH.UNAUTHORIZED': 401,
    'AUTH.FORBIDDEN': 403,
    'KEY.NOT_FOUND': 404,
    'KEY.ALREADY_EXISTS': 409,
    'ROUTE.NOT_FOUND': 404,
    'SERVICE.UNAVAILABLE': 503,
    'SERVICE.TIMEOUT': 504,
    'INTERNAL': 500,
};
/** An expected refusal: carries a stable code; never a crash. */
class ImmuneError extends Error {
    code;
    title;
    extra;
    status;
    constructor(code, title, detail, extra = {}) {
        super(detail);
        this.code = code;
        this.title = title;
        this.extra = extra;
        this.name = 'ImmuneError';
        this.status = exports.ERROR_STATUS[code];
    }
    get detail() {
        return this.message;
    }
    toBody() {
        return { code: this.code, title: this.title, detail: this.message };
    }
}
exports.ImmuneError = ImmuneError;
function isImmuneError(e) {
    return e instanceof ImmuneError;
}
//# sourceMappingURL=errors.js.map