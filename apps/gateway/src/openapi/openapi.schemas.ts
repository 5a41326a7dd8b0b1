import {
  AGENT_STATUSES,
  APPROVAL_STATES,
  HEALING_STATES,
  QUARANTINE_LEVELS,
  REASON_CODES,
  ROLES,
  SEVERITIES,
} from '@immune/contracts';

/**
 * JSON schemas of the API views and request bodies for the OpenAPI document. The request DTOs in
 * libs/contracts carry class-validator rules only, so their schemas are written here to match them.
 */
type Schema = Record<string, unknown>;

const str = (description?: string, extra: Schema = {}): Schema => ({ type: 'string', ...(description ? { description } : {}), ...extra });
const nullable = (s: Schema): Schema => ({ ...s, nullable: true });
const time = (description?: string): Schema => str(description, { format: 'date-time' });
const enumOf = (values: readonly string[], description?: string): Schema => str(description, { enum: [...values] });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties), extra: Schema = {}): Schema => ({
  type: 'object',
  required,
  properties,
  ...extra,
});

export const OPENAPI_SCHEMAS: Record<string, Schema> = {
  Problem: obj(
    {
      type: str('A URI naming the problem type (urn:immune:problem:<code>).'),
      title: str('Short human summary of the problem type.'),
      status: { type: 'integer', description: 'The HTTP status.' },
      detail: str('What went wrong with this request.'),
      code: str('Stable, namespaced error code, e.g. QUARANTINE.ALREADY_ACTIVE.', { example: 'AGENT.NOT_FOUND' }),
      instance: str('The request path.'),
      errors: { type: 'array', items: ref('FieldError'), description: 'Per-field messages (VALIDATION.FAILED only).' },
    },
    ['type', 'title', 'status', 'detail', 'code'],
    { description: 'RFC 9457 problem details (application/problem+json).' },
  ),
  FieldError: obj({ field: str('Field name, nested as a.b; `body` for the body itself.'), messages: { type: 'array', items: str() } }),
  Restrictions: obj({
    toolsRevoked: { type: 'boolean' },
    autonomyReduced: { type: 'boolean' },
    replicationBlocked: { type: 'boolean' },
    networkRestricted: { type: 'boolean' },
    probation: { type: 'boolean' },
  }),
  Diagnosis: obj(
    { hypothesis: str(), confidence: { type: 'number', minimum: 0, maximum: 1 }, evidence: { type: 'array', items: str() } },
    ['hypothesis', 'confidence'],
  ),
  Note: obj({ noteId: str(), note: str(), author: str('Name of the key that added it.'), at: time() }),
  Quarantine: obj({
    quarantineId: str(),
    level: enumOf(QUARANTINE_LEVELS),
    reasonCode: enumOf(REASON_CODES),
    reason: str(),
    severity: enumOf(SEVERITIES),
    source: str('Who or what quarantined the agent (a key name, `sentinel`, ...).'),
    quarantinedAt: time(),
    expiresAt: nullable(time()),
    approval: enumOf(APPROVAL_STATES),
    healing: enumOf(HEALING_STATES),
    diagnoses: { type: 'array', items: ref('Diagnosis') },
    deviation: nullable({ type: 'number', description: 'Deviation in σ that triggered an automatic quarantine.' }),
    notes: { type: 'array', items: ref('Note') },
    healMode: enumOf(['automatic', 'manual'], 'A manual quarantine is healed only on heal-now.'),
    healRequestedAt: nullable(time('When an operator last said heal-now for this quarantine.')),
  }),
  AgentView: obj({
    agentId: str(undefined, { pattern: '^[A-Za-z0-9_-]{1,128}$' }),
    status: enumOf(AGENT_STATUSES),
    restrictions: ref('Restrictions'),
    quarantine: { ...ref('Quarantine'), nullable: true },
    baseline: nullable({ type: 'object', additionalProperties: true }),
    lastVitalAt: nullable(time()),
    model: nullable(str()),
    agentType: nullable(str()),
    mcpServers: { type: 'array', items: str() },
    registeredAt: time(),
    version: { type: 'integer', description: 'Stream sequence of the agent\'s last event; sent as ETag, accepted as If-Match.' },
  }),
  QuarantineRecordView: {
    allOf: [
      ref('Quarantine'),
      obj({
        agentId: str(),
        active: { type: 'boolean' },
        outcome: enumOf(['active', 'released', 'terminated']),
        endedAt: nullable(time()),
        resolution: nullable(str()),
        durationSeconds: nullable({ type: 'number' }),
        escalations: { type: 'integer' },
        forensic: nullable({ type: 'object', additionalProperties: true }),
      }),
    ],
  },
  ReportView: obj({
    totalQuarantined: { type: 'integer' },
    currentlyQuarantined: { type: 'integer' },
    released: { type: 'integer' },
    terminated: { type: 'integer' },
    bySeverity: obj(Object.fromEntries(SEVERITIES.map((s) => [s, { type: 'integer' }]))),
    bySource: { type: 'object', additionalProperties: { type: 'integer' } },
    avgDurationSeconds: nullable({ type: 'number', description: 'Mean duration of ended quarantines.' }),
    posture: str('Current fleet posture (observer, operator, guardian, phoenix, sovereign).'),
    summary: str('One human sentence.'),
  }),
  EventView: obj({
    seq: { type: 'integer', description: 'Stream sequence.' },
    subject: str(),
    id: str(),
    type: str(undefined, { example: 'AgentQuarantined' }),
    aggregate: enumOf(['agent', 'escalation', 'posture', 'checkpoint']),
    aggregateId: str(),
    agentId: nullable(str()),
    occurredAt: time(),
    actor: str(),
    correlationId: str(),
    causationId: str(),
    data: { type: 'object', additionalProperties: true },
    prevHash: nullable(str()),
    hash: str('SHA-256 (hex) of the RFC 8785 canonical JSON of the envelope without `hash`.'),
  }),
  VerifyResult: obj(
    {
      valid: { type: 'boolean' },
      checked: { type: 'integer', description: 'Events read from the stream.' },
      checkpoints: { type: 'integer' },
      brokenAt: obj({ seq: nullable({ type: 'integer' }), subject: nullable(str()), eventId: nullable(str()), reason: str() }),
    },
    ['valid', 'checked'],
  ),
  KeyView: obj({
    name: str(),
    role: enumOf(ROLES),
    prefix: str('The first characters of the key, to recognise it.'),
    createdAt: time(),
    createdBy: str(),
    lastUsedAt: nullable(time()),
  }),
  CreatedKey: obj({ name: str(), role: enumOf(ROLES), key: str('The key itself; shown only in this answer.') }),
  CreateKeyRequest: obj({ name: str(undefined, { pattern: '^[A-Za-z0-9_.@-]{1,64}$' }), role: enumOf(ROLES) }, ['name', 'role'], {
    additionalProperties: false,
  }),
  QuarantineAgentRequest: obj(
    {
      reason: str(undefined, { minLength: 1, maxLength: 2000 }),
      reasonCode: enumOf(REASON_CODES, 'Default manual.'),
      severity: enumOf(SEVERITIES, 'Default medium.'),
      level: enumOf(QUARANTINE_LEVELS, 'Default suspended.'),
      ttlSeconds: { type: 'integer', minimum: 1, maximum: 31_536_000, description: 'Release automatically after this long.' },
      source: str('Default: the key name.', { minLength: 1, maxLength: 128 }),
    },
    ['reason'],
    { additionalProperties: false },
  ),
  ResolutionRequest: obj({ resolution: str(undefined, { minLength: 1, maxLength: 2000 }) }, ['resolution'], { additionalProperties: false }),
  EscalateAgentRequest: obj({ reason: str(undefined, { minLength: 1, maxLength: 2000 }) }, ['reason'], { additionalProperties: false }),
  AddNoteRequest: obj({ note: str(undefined, { minLength: 1, maxLength: 4000 }) }, ['note'], { additionalProperties: false }),
  TerminateAllRequest: obj({ resolution: str('Default: "terminate-all".', { minLength: 1, maxLength: 2000 }) }, [], {
    additionalProperties: false,
  }),
  HealingDecisionRequest: obj({ reason: str('Recorded with the decision.', { minLength: 1, maxLength: 2000 }) }, [], {
    additionalProperties: false,
  }),
  ApproveAllResult: obj({
    approved: { type: 'integer' },
    failed: { type: 'array', items: obj({ agentId: str(), code: str() }) },
  }),
  RejectAllResult: obj({
    rejected: { type: 'integer' },
    failed: { type: 'array', items: obj({ agentId: str(), code: str() }) },
  }),
  HealAllResult: obj({
    requested: { type: 'integer' },
    failed: { type: 'array', items: obj({ agentId: str(), code: str() }) },
  }),
  TerminateAllResult: obj({
    terminated: { type: 'integer' },
    failed: { type: 'array', items: obj({ agentId: str(), code: str() }) },
  }),
  Health: obj({ status: enumOf(['ok']) }),
  DetectionThresholds: { type: 'object', additionalProperties: { oneOf: [{ type: 'number' }, { type: 'boolean' }] }, description: 'Detection settings by name (see GET /config `defaults`).' },
  DetectionSettingsRequest: obj(
    {
      fleet: ref('DetectionThresholds'),
      agentTypes: { type: 'object', additionalProperties: ref('DetectionThresholds'), description: 'Overrides per agentType, over the fleet\'s.' },
      reason: str('Recorded with the change.', { maxLength: 2000 }),
    },
    [],
    { additionalProperties: false },
  ),
  ConfigView: obj({
    detection: obj({
      defaults: ref('DetectionThresholds'),
      fleet: ref('DetectionThresholds'),
      agentTypes: { type: 'object', additionalProperties: ref('DetectionThresholds') },
      effective: obj({ fleet: ref('DetectionThresholds'), agentTypes: { type: 'object', additionalProperties: ref('DetectionThresholds') } }),
      revision: { type: 'integer', description: 'Revision of the stored settings (0 = never set); the ETag.' },
      updatedAt: nullable(time()),
      updatedBy: nullable(str('Name of the key that changed them.')),
      reason: nullable(str()),
    }),
  }),
  VitalsHistory: obj({
    agentId: str(),
    from: time(),
    to: time(),
    bucketSeconds: { type: 'integer', description: 'Width of one rollup (60).' },
    items: { type: 'array', items: ref('VitalsRollup') },
    baseline: nullable({ type: 'object', additionalProperties: true, description: 'The sentinel\'s baseline: per metric samples, mean, σ and the band low–high = mean ± anomalySigma·σ.' }),
    recent: { type: 'array', items: { type: 'object', additionalProperties: true }, description: 'The newest vitals telemetry holds in memory (up to 20, newest last).' },
    lastVitalAt: nullable(time()),
  }),
  VitalsRollup: obj({
    minute: time('Start of the minute.'),
    count: { type: 'integer' },
    failures: { type: 'integer' },
    retries: { type: 'integer' },
    latencyMeanMs: { type: 'number' },
    latencyMaxMs: { type: 'number' },
    inputTokens: { type: 'integer' },
    outputTokens: { type: 'integer' },
    tokens: { type: 'integer' },
    costUsd: { type: 'number' },
    toolCalls: { type: 'integer' },
    lastVitalAt: time(),
  }),
  Readiness: obj({
    status: enumOf(['ready', 'not_ready']),
    checks: obj({
      nats: str('ok, or why not'),
      postgres: str('ok, or why not'),
      services: { type: 'object', additionalProperties: str('ok, or why not') },
    }),
    posture: str(),
  }),
};
