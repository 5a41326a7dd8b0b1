"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.METRICS_PORT_DEFAULTS = void 0;
exports.loadConfig = loadConfig;
exports.intFromEnv = intFromEnv;
exports.metricsPort = metricsPort;
const contracts_1 = require("@immune/contracts");
function loadConfig(env = process.env) {
    const namespace = (0, contracts_1.assertNamespace)(env['IMMUNE_NAMESPACE']?.trim() || contracts_1.DEFAULT_NAMESPACE);
    const natsServers = (env['NATS_URL'] || 'nats://127.0.0.1:4222')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    const databaseUrl = env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/immune';
    return {
        namespace,
        natsServers,
        databaseUrl,
        gatewayPort: intFromEnv(env, 'GATEWAY_PORT', 8090),
        logLevel: env['LOG_LEVEL'] || 'info',
        logFormat: env['LOG_FORMAT'] === 'json' || env['LOG_FORMAT'] === 'pretty' ? env['LOG_FORMAT'] : process.stdout.isTTY ? 'pretty' : 'json',
        commandTimeoutMs: intFromEnv(env, 'IMMUNE_COMMAND_TIMEOUT_MS', 5000),
    };
}
function intFromEnv(env, key, fallback) {
    const raw = env[key];
    if (raw === undefined || raw === '')
        return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0)
        throw new Error(`${key}="${raw}" is not a non-negative integer`);
    return n;
}
/** `<SERVICE>_METRICS_PORT`, 0 = pick a free port. Defaults: gateway-side services from 9101 upward. */
exports.METRICS_PORT_DEFAULTS = {
    gateway: 9101,
    quarantine: 9102,
    projector: 9103,
    telemetry: 9104,
    sentinel: 9105,
    healer: 9106,
    escalation: 9107,
};
function metricsPort(service, env = process.env) {
    return intFromEnv(env, `${service.toUpperCase()}_METRICS_PORT`, exports.METRICS_PORT_DEFAULTS[service] ?? 0);
}
//# sourceMappingURL=config.js.map