"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FULL_RESTRICTIONS = exports.NO_RESTRICTIONS = exports.AGENT_EVENT_TYPES = exports.HEALING_STATES = exports.APPROVAL_STATES = exports.SEVERITIES = exports.REASON_CODES = exports.QUARANTINE_LEVELS = exports.AGENT_STATUSES = void 0;
exports.AGENT_STATUSES = ['active', 'restricted', 'suspended', 'terminated'];
exports.QUARANTINE_LEVELS = ['restricted', 'suspended'];
exports.REASON_CODES = [
    'behavioral_drift',
    'anomaly',
    'liability_violation',
    'ring_breach',
    'rate_limit',
    'manual',
    'cascade',
];
exports.SEVERITIES = ['low', 'medium', 'high', 'critical'];
exports.APPROVAL_STATES = ['none', 'pending', 'approved', 'rejected'];
exports.HEALING_STATES = ['idle', 'in_progress', 'probation', 'succeeded', 'exhausted'];
exports.AGENT_EVENT_TYPES = [
    'AgentRegistered',
    'AgentQuarantined',
    'QuarantineNoteAdded',
    'QuarantineEscalated',
    'AgentReleased',
    'AgentTerminated',
];
exports.NO_RESTRICTIONS = Object.freeze({
    toolsRevoked: false,
    autonomyReduced: false,
    replicationBlocked: false,
    networkRestricted: false,
    probation: false,
});
exports.FULL_RESTRICTIONS = Object.freeze({
    toolsRevoked: true,
    autonomyReduced: true,
    replicationBlocked: true,
    networkRestricted: true,
    probation: false,
});
//# sourceMappingURL=agent-events.js.map