"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_PAST_SKEW_MS = exports.MAX_FUTURE_SKEW_MS = exports.MAX_VITAL_BYTES = void 0;
exports.checkVital = checkVital;
exports.checkVitalBytes = checkVitalBytes;
exports.rejectedVital = rejectedVital;
const namespace_1 = require("./namespace");
exports.MAX_VITAL_BYTES = 64 * 1024;
exports.MAX_FUTURE_SKEW_MS = 300_000;
exports.MAX_PAST_SKEW_MS = 3_600_000;
const MAX_STRING = 512;
const MAX_MCP_SERVERS = 64;
const KNOWN_FIELDS = new Set([
    'agentId', 'ts', 'latencyMs', 'inputTokens', 'outputTokens', 'tokens', 'costUsd', 'toolCalls', 'retries',
    'success', 'errorType', 'promptHash', 'model', 'agentType', 'mcpServers',
]);
/**
 * Validates one decoded vital. `subjectAgentId` is the last token of the subject (null for HTTP ingest);
 * `storedAtMs` is when the stream stored it (or the gateway received it).
 */
function checkVital(value, subjectAgentId, storedAtMs) {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
        return fail('a vital must be a JSON object');
    const v = value;
    for (const key of Object.keys(v)) {
        if (!KNOWN_FIELDS.has(key))
            return fail(`unknown field "${key}"`);
    }
    const agentId = v['agentId'];
    if (typeof agentId !== 'string' || !namespace_1.AGENT_ID_PATTERN.test(agentId))
        return fail(`agentId must match ${namespace_1.AGENT_ID_PATTERN.source}`);
    if (subjectAgentId !== null && subjectAgentId !== agentId) {
        return fail(`agentId "${agentId}" does not match the subject's agent "${subjectAgentId}"`);
    }
    const latencyMs = v['latencyMs'];
    if (!isNonNegativeNumber(latencyMs))
        return fail('latencyMs must be a finite number ≥ 0');
    for (const k of ['inputTokens', 'outputTokens', 'toolCalls', 'retries']) {
        if (!isNonNegativeInt(v[k]))
            return fail(`${k} must be an integer ≥ 0`);
    }
    const inputTokens = v['inputTokens'];
    const outputTokens = v['outputTokens'];
    let tokens = inputTokens + outputTokens;
    if (v['tokens'] !== undefined) {
        if (!isNonNegativeInt(v['tokens']))
            return fail('tokens must be an integer ≥ 0');
        tokens = v['tokens'];
    }
    let costUsd = 0;
    if (v['costUsd'] !== undefined) {
        if (!isNonNegativeNumber(v['costUsd']))
            return fail('costUsd must be a finite number ≥ 0');
        costUsd = v['costUsd'];
    }
    let success = true;
    if (v['success'] !== undefined) {
        if (typeof v['success'] !== 'boolean')
            return fail('success must be a boolean');
        success = v['success'];
    }
    const strings = {
        errorType: null, promptHash: null, model: null, agentType: null,
    };
    for (const k of ['errorType', 'promptHash', 'model', 'agentType']) {
        const s = v[k];
        if (s === undefined || s === null)
            continue;
        if (typeof s !== 'string' || s.length > MAX_STRING)
            return fail(`${k} must be a string of at most ${MAX_STRING} characters`);
        strings[k] = s;
    }
    let mcpServers = [];
    if (v['mcpServers'] !== undefined) {
        const m = v['mcpServers'];
        if (!Array.isArray(m) || m.length > MAX_MCP_SERVERS || !m.every((s) => typeof s === 'string' && s.length <= MAX_STRING)) {
            return fail(`mcpServers must be an array of at most ${MAX_MCP_SERVERS} strings`);
        }
        mcpServers = m;
    }
    let ts = storedAtMs;
    if (v['ts'] !== undefined) {
        const raw = v['ts'];
        const parsed = typeof raw === 'number' ? raw : typeof raw === 'string' && ISO_8601.test(raw) ? Date.parse(raw) : Number.NaN;
        if (!Number.isFinite(parsed))
            return fail('ts must be epoch milliseconds or an ISO-8601 string');
        if (parsed > storedAtMs + exports.MAX_FUTURE_SKEW_MS)
            return fail('ts is more than 300 s ahead of the time the vital was stored');
        if (parsed < storedAtMs - exports.MAX_PAST_SKEW_MS)
            return fail('ts is more than 1 h behind the time the vital was stored');
        ts = parsed;
    }
    return {
        ok: true,
        vital: { agentId, ts, latencyMs: latencyMs, inputTokens, outputTokens, tokens, costUsd,
            toolCalls: v['toolCalls'], retries: v['retries'], success, ...strings, mcpServers },
    };
}
/** Decodes and validates raw bytes from the wire (size first, then JSON). */
function checkVitalBytes(bytes, subjectAgentId, storedAtMs) {
    if (bytes.byteLength > exports.MAX_VITAL_BYTES)
        return fail(`a vital must be at most ${exports.MAX_VITAL_BYTES} bytes (got ${bytes.byteLength})`);
    let value;
    try {
        value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    }
    catch {
        return fail('not valid JSON');
    }
    return checkVital(value, subjectAgentId, storedAtMs);
}
function rejectedVital(reason, subject, bytes) {
    return { reason, subject, payload: Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).toString('utf8') };
}
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
function isNonNegativeNumber(x) {
    return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}
function isNonNegativeInt(x) {
    return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}
function fail(reason) {
    return { ok: false, reason };
}
//# sourceMappingURL=vitals.js.map