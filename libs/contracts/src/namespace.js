"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.AGENT_ID_PATTERN = exports.DEFAULT_NAMESPACE = exports.NAMESPACE_PATTERN = void 0;
exports.assertNamespace = assertNamespace;
exports.names = names;
/** Everything on NATS and in PostgreSQL is prefixed by the namespace, so two namespaces never meet. */
exports.NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,30}$/;
exports.DEFAULT_NAMESPACE = 'immune';
function assertNamespace(ns) {
    if (!exports.NAMESPACE_PATTERN.test(ns)) {
        throw new Error(`IMMUNE_NAMESPACE "${ns}" is invalid: it must match ${exports.NAMESPACE_PATTERN.source}`);
    }
    return ns;
}
exports.AGENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
function names(ns) {
    assertNamespace(ns);
    const NS = ns.toUpperCase();
    return {
        ns,
        eventsStream: `${NS}_EVENTS`,
        eventsWildcard: `${ns}.events.>`,
        eventSubject: (aggregate, id) => `${ns}.events.${aggregate}.${id}`,
        agentEvents: (agentId) => `${ns}.events.agent.${agentId}`,
        checkpointSubject: `${ns}.events.checkpoint.chain`,
        vitalsStream: `${NS}_VITALS`,
        vitalsWildcard: `${ns}.vitals.*`,
        vitals: (agentId) => `${ns}.vitals.${agentId}`,
        rejectedVitals: `${ns}.rejected.vitals`,
        statusBucket: `${ns}_agent_status`,
        agentCommands: `${ns}.commands.agent`,
        agentChannel: (agentId) => `${ns}.agents.${agentId}.commands`,
        projectionProgress: `${ns}.projections.progress`,
        heartbeats: `${ns}.services.heartbeat`,
        projectorControl: `${ns}.projections.control`,
        pgSchema: ns,
    };
}
//# sourceMappingURL=namespace.js.map