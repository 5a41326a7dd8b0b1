/** Inline OpenAPI schemas of the posture and escalation routes. */
const PROFILE = { type: 'string', enum: ['observer', 'operator', 'guardian', 'phoenix', 'sovereign'] };

export const ESCALATION_VIEW_SCHEMA = {
  type: 'object',
  properties: {
    escalationId: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'active', 'ended'] },
    fromProfile: PROFILE,
    toProfile: PROFILE,
    type: { type: 'string', enum: ['threat_detected', 'operator_request', 'crisis_declared', 'quorum_approved', 'sovereign_override'] },
    reason: { type: 'string' },
    reversible: { type: 'boolean' },
    ttlSeconds: { type: 'integer', nullable: true },
    requestedAt: { type: 'string', format: 'date-time' },
    requestedBy: { type: 'string' },
    raisedAt: { type: 'string', format: 'date-time', nullable: true },
    expiresAt: { type: 'string', format: 'date-time', nullable: true },
    approvalsRequired: { type: 'integer' },
    approvals: { type: 'array', items: { type: 'string' }, description: 'Distinct key names; the requester counts as the first.' },
    endedAt: { type: 'string', format: 'date-time', nullable: true },
    deescalationType: { type: 'string', nullable: true, enum: ['timeout_expired', 'threat_resolved', 'operator_release', 'crisis_concluded', 'sovereign_revoke'] },
    deescalationReason: { type: 'string', nullable: true },
    endedBy: { type: 'string', nullable: true },
    context: { type: 'object', nullable: true, additionalProperties: true },
    hash: { type: 'string', description: 'Hash of the escalation\'s last event.' },
    version: { type: 'integer' },
  },
};

export const ESCALATION_LIST_SCHEMA = {
  type: 'object',
  required: ['items', 'total', 'nextCursor'],
  properties: { items: { type: 'array', items: ESCALATION_VIEW_SCHEMA }, total: { type: 'integer' }, nextCursor: { type: 'string', nullable: true } },
};

export const POSTURE_VIEW_SCHEMA = {
  type: 'object',
  properties: {
    current: PROFILE,
    baseline: { type: 'string', enum: ['observer', 'operator'] },
    activeEscalations: { type: 'array', items: ESCALATION_VIEW_SCHEMA, description: 'Bottom of the stack first; the last one set `current`.' },
    pendingEscalations: { type: 'array', items: ESCALATION_VIEW_SCHEMA },
    version: { type: 'integer' },
    changedAt: { type: 'string', format: 'date-time', nullable: true },
  },
};

export const ESCALATION_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
