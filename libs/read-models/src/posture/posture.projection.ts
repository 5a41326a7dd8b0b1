import { BASELINE_PROFILES, ESCALATION_EVENT_TYPES, POSTURE_EVENT_TYPES, type BaselineProfile, type Profile, type StoredEvent } from '@immune/contracts';
import { toNumber, type ProjectionDefinition } from '../projection';
import { dataOf, text } from '../common/event-data';

/** The posture row: the resting posture and the stack of active escalations (bottom first). */
export interface PostureRowDoc {
  current: Profile;
  baseline: BaselineProfile;
  active: Array<{ escalationId: string; toProfile: Profile }>;
  version: number;
  changedAt: string | null;
}

export const POSTURE_ROW_EVENT_TYPES = [...POSTURE_EVENT_TYPES, 'EscalationRaised', 'EscalationDeescalated'] as const;
const HANDLED: ReadonlySet<string> = new Set(POSTURE_ROW_EVENT_TYPES);
// Every escalation event type is known to the projection; only these change the posture.
void ESCALATION_EVENT_TYPES;

export function defaultPostureRow(): PostureRowDoc {
  return { current: 'operator', baseline: 'operator', active: [], version: 0, changedAt: null };
}

function handles(e: StoredEvent): boolean {
  return (e.envelope.aggregate === 'posture' || e.envelope.aggregate === 'escalation') && HANDLED.has(e.envelope.type);
}

/** `posture`: what is in force, as the escalation service computes it (current = top escalation's target, or the baseline). */
export function evolvePostureRow(state: PostureRowDoc | null, event: StoredEvent): PostureRowDoc | null {
  if (!handles(event)) return state;
  const { envelope, seq } = event;
  const prior = state ?? defaultPostureRow();
  const d = dataOf(envelope);
  let baseline = prior.baseline;
  let active = prior.active;
  switch (envelope.type) {
    case 'PostureBaselineChanged': {
      const to = text(d['toBaseline'], prior.baseline);
      if (!(BASELINE_PROFILES as readonly string[]).includes(to)) return state;
      baseline = to as BaselineProfile;
      break;
    }
    case 'EscalationRaised':
      if (active.some((a) => a.escalationId === envelope.aggregateId)) return state;
      active = [...active, { escalationId: envelope.aggregateId, toProfile: text(d['toProfile'], 'guardian') as Profile }];
      break;
    case 'EscalationDeescalated':
      if (!active.some((a) => a.escalationId === envelope.aggregateId)) return state;
      active = active.filter((a) => a.escalationId !== envelope.aggregateId);
      break;
    default:
      return state;
  }
  const current = active.at(-1)?.toProfile ?? baseline;
  return { current, baseline, active, version: seq, changedAt: envelope.occurredAt };
}

export const postureProjection: ProjectionDefinition<PostureRowDoc> = {
  name: 'posture',
  table: 'posture',
  kind: 'row',
  columns: [
    { name: 'id', type: 'integer' },
    { name: 'current', type: 'text' },
    { name: 'baseline', type: 'text' },
    { name: 'version', type: 'bigint' },
    { name: 'changed_at', type: 'timestamptz' },
    { name: 'doc', type: 'jsonb' },
  ],
  eventTypes: POSTURE_ROW_EVENT_TYPES,
  keyOf: (e) => (handles(e) ? '1' : null),
  evolve: evolvePostureRow,
  toColumns: (p) => [1, p.current, p.baseline, p.version, p.changedAt, p],
  fromColumns: (row) => {
    const doc = row['doc'] as PostureRowDoc;
    return { current: doc.current, baseline: doc.baseline, active: [...doc.active], version: toNumber(row['version']), changedAt: doc.changedAt };
  },
};
