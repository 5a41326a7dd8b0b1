"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.unreachableMessage = unreachableMessage;
exports.redact = redact;
/** One clear line for an unreachable dependency, instead of a stack trace. */
function unreachableMessage(what, where, cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const how = what === 'NATS'
        ? 'start one with JetStream enabled, e.g. `nats-server -js` (or `docker compose up -d nats`), or set NATS_URL'
        : 'start one, e.g. `pg_ctlcluster 15 main start` (or `docker compose up -d postgres`), or set DATABASE_URL';
    return `${what} is not reachable at ${redact(where)} (${why}): ${how}.`;
}
function redact(url) {
    return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}
//# sourceMappingURL=connectivity.js.map