import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { names as namesOf, type EventEnvelope, type Names, type VerifyResult } from '@immune/contracts';
import { envelopeShapeError, hashEnvelope, headKey, headsHash } from './hash-chain';
import { readStreamRaw, type RawMessage } from './stream-reader';

export interface VerifyOptions {
  /** Namespace of the log; default: the first token of the first subject. */
  ns?: string;
  /** Stream sequence the log starts at (default 1); a jump anywhere else is a removed message. */
  firstSeq?: number;
}

type Broken = NonNullable<VerifyResult['brokenAt']>;

/** A change of a head, kept until a checkpoint past it is verified, so heads can be rolled back to any covered sequence. */
interface HeadChange {
  seq: number;
  key: string;
  prev: string | undefined;
  next: string;
}

/**
 * Walks the log once, in stream order, and names the first broken link: malformed JSON or envelope, wrong
 * schema version, an envelope on the wrong subject, a hash that does not recompute (edited), a prevHash that
 * is not the previous hash of the same subject (forged, reordered, removed), a repeated event id, a gap in
 * stream sequences, and a chain checkpoint whose counts or heads hash differ from the log at its lastSequence
 * (a removed tail or aggregate). A checkpoint arrives after the sequence it covers, so head changes since the
 * last verified checkpoint are kept to roll the heads back to it.
 */
export async function verifyEventLog(messages: AsyncIterable<RawMessage>, opts: VerifyOptions = {}): Promise<VerifyResult> {
  let checked = 0;
  let checkpoints = 0;
  let names: Names | null = opts.ns ? namesOf(opts.ns) : null;
  let expectedSeq = opts.firstSeq ?? 1;
  const heads = new Map<string, string>();
  let checkpointHead: string | null = null;
  const ids = new Set<string>();
  let events = 0;
  let changes: HeadChange[] = [];
  let lastCp: { lastSequence: number; aggregates: number; events: number; headsHash: string } | null = null;

  const broken = (m: RawMessage, eventId: string | null, reason: string): VerifyResult => ({
    valid: false,
    checked,
    checkpoints,
    brokenAt: { seq: m.seq, subject: m.subject, eventId, reason } satisfies Broken,
  });

  for await (const m of messages) {
    if (m.seq !== expectedSeq) {
      return broken(
        m,
        null,
        m.seq > expectedSeq ? `removed events: stream sequence ${expectedSeq}${m.seq - 1 > expectedSeq ? `..${m.seq - 1}` : ''} missing` : `sequence ${m.seq} out of order (expected ${expectedSeq})`,
      );
    }
    expectedSeq = m.seq + 1;
    if (!names) {
      try {
        names = namesOf(m.subject.split('.')[0] ?? '');
      } catch {
        return broken(m, null, `subject ${m.subject} does not start with a namespace`);
      }
    }
    const isCheckpoint = m.subject === names.checkpointSubject;

    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('utf8'));
    } catch {
      return broken(m, null, 'not valid JSON');
    }
    const shape = envelopeShapeError(value);
    const maybeId = typeof (value as { id?: unknown })?.id === 'string' ? (value as { id: string }).id : null;
    if (shape) return broken(m, maybeId, `malformed envelope: ${shape}`);
    const e = value as EventEnvelope;
    if (e.schemaVersion !== 1) return broken(m, e.id, `unsupported schemaVersion ${JSON.stringify(e.schemaVersion)}`);
    const expectedSubject = names.eventSubject(e.aggregate, e.aggregateId);
    if (m.subject !== expectedSubject) return broken(m, e.id, `stored on ${m.subject} but the envelope belongs on ${expectedSubject}`);
    if (hashEnvelope(e) !== e.hash) return broken(m, e.id, 'hash mismatch: the event was modified after it was written');
    const key = headKey(names.ns, m.subject);
    const head = (isCheckpoint ? checkpointHead : heads.get(key)) ?? null;
    if (e.prevHash !== head) {
      return broken(
        m,
        e.id,
        head === null
          ? 'prevHash mismatch: first event of its aggregate in this log but it links to an earlier one (removed or reordered events)'
          : 'prevHash mismatch: does not link to the previous event of its aggregate (forged, removed or reordered events)',
      );
    }
    if (ids.has(e.id)) return broken(m, e.id, `duplicate event id ${e.id}`);
    ids.add(e.id);

    if (isCheckpoint) {
      // The checkpoint aggregate is chained like any other but is not one of the heads it covers.
      checkpointHead = e.hash;
      if (e.type === 'ChainCheckpointed') {
        const d = e.data as Record<string, unknown> | null;
        const L = d?.['lastSequence'];
        if (!d || typeof L !== 'number' || typeof d['aggregates'] !== 'number' || typeof d['events'] !== 'number' || typeof d['headsHash'] !== 'string') {
          return broken(m, e.id, 'malformed checkpoint data');
        }
        if (L >= m.seq) return broken(m, e.id, `removed events: the checkpoint covers sequence ${L} but the log reaches only ${m.seq - 1} before it`);
        let at: { aggregates: number; events: number; headsHash: string };
        if (lastCp && L < lastCp.lastSequence) {
          return broken(m, e.id, `checkpoint goes backwards: covers ${L} after one covering ${lastCp.lastSequence}`);
        } else if (lastCp && L === lastCp.lastSequence) {
          at = lastCp;
        } else {
          const idx = indexOfSeq(changes, L);
          if (idx < 0) return broken(m, e.id, `removed events: the checkpoint covers sequence ${L}, which is not an event in this log`);
          const after = changes.slice(idx + 1);
          // Roll back to L, hash, roll forward again: O(changes since L), no copy of all heads.
          for (let i = after.length - 1; i >= 0; i--) restore(heads, after[i]!.key, after[i]!.prev);
          at = { aggregates: heads.size, events: events - after.length, headsHash: headsHash(heads) };
          for (const c of after) heads.set(c.key, c.next);
          changes = after;
        }
        if (d['events'] !== at.events) {
          return broken(m, e.id, `checkpoint mismatch: ${String(d['events'])} events recorded up to sequence ${L}, ${at.events} found (removed or added events)`);
        }
        if (d['aggregates'] !== at.aggregates) {
          return broken(m, e.id, `checkpoint mismatch: ${String(d['aggregates'])} aggregates recorded up to sequence ${L}, ${at.aggregates} found (removed aggregate)`);
        }
        if (d['headsHash'] !== at.headsHash) {
          return broken(m, e.id, `checkpoint mismatch: heads hash at sequence ${L} differs (removed, altered or reordered events)`);
        }
        lastCp = { lastSequence: L, ...at };
        checkpoints++;
      }
    } else {
      changes.push({ seq: m.seq, key, prev: heads.get(key), next: e.hash });
      heads.set(key, e.hash);
      events++;
    }
    checked++;
  }
  return { valid: true, checked, checkpoints };
}

/** Binary search: changes are in stream order. */
function indexOfSeq(changes: readonly HeadChange[], seq: number): number {
  let lo = 0;
  let hi = changes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = changes[mid]!.seq;
    if (s === seq) return mid;
    if (s < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function restore(heads: Map<string, string>, key: string, prev: string | undefined): void {
  if (prev === undefined) heads.delete(key);
  else heads.set(key, prev);
}

/** Verifies the namespace's event stream as stored (raw bytes), up to its last sequence at the call. */
export async function verifyStream(nc: NatsConnection, names: Names): Promise<VerifyResult> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  return verifyEventLog(readStreamRaw(jetstream(nc), jsm, names.eventsStream), { ns: names.ns });
}
