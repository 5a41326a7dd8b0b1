import { eventsProjection, generateAgentEventLog } from '@immune/read-models';
import { ARCHIVE_ROW_COLUMNS, ArchiveRows } from './archive-row';
import { decodeStoredEvent } from './decode-event';
import { binaryRowEncoder } from './sql-values';

/** What the main thread encodes for a message: decode, the projection's columns, a COPY binary tuple. */
const encode = binaryRowEncoder(eventsProjection.columns)!;
const mainRow = (seq: number, subject: string, text: string) => encode(eventsProjection.toColumns(decodeStoredEvent(seq, subject, text))).toString('hex');

function readerRow(seq: number, subject: string, text: string | Buffer): string | null {
  const rows = new ArchiveRows();
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  // Written at an offset, as messages lie in a batch.
  const src = Buffer.concat([Buffer.from('xx'), bytes, Buffer.from('yy')]);
  return rows.append(src, 2, 2 + bytes.length, seq, subject) ? rows.buf.toString('hex', 0, rows.pos) : null;
}

describe('ArchiveRows (the archive row from the message bytes)', () => {
  const log = generateAgentEventLog({ namespace: 'spec', events: 3000, seed: 11 });

  it('writes the archive columns the projection has', () => {
    expect(eventsProjection.columns.map((c) => `${c.name} ${c.type}`)).toEqual([...ARCHIVE_ROW_COLUMNS]);
  });

  it('writes, byte for byte, the row the main thread encodes, for every message our writer stores', () => {
    let escaped = 0;
    log.forEach((g, i) => {
      const text = JSON.stringify(g.envelope);
      if (text.includes('\\\\')) escaped++;
      expect(readerRow(i + 1, g.subject, text)).toBe(mainRow(i + 1, g.subject, text));
    });
    // The log has data with tabs, quotes, backslashes and newlines, and envelopes without agentId and with prevHash.
    expect(escaped).toBeGreaterThan(100);
    expect(log.some((g) => g.envelope.agentId === undefined)).toBe(true);
  });

  it('writes the same time as the main thread in every form an envelope may give it', () => {
    const g = log[10]!;
    for (const occurredAt of ['2026-01-05T16:22Z', '2026-01-05T16:22:05+02:00', '2024-02-29T23:59:59.999999-01:30', '2026-01-05T16:22:05.1234565Z', '2026-01-05T24:00:00+15:59']) {
      const text = JSON.stringify({ ...g.envelope, occurredAt });
      const row = readerRow(1, g.subject, text);
      expect(row).not.toBeNull();
      expect(row).toBe(mainRow(1, g.subject, text));
    }
  });

  it('leaves every other message to the main thread', () => {
    const g = log[10]!;
    const text = JSON.stringify(g.envelope);
    const cases = [
      JSON.stringify(g.envelope, null, 1),
      JSON.stringify({ ...g.envelope, schemaVersion: 2 }),
      JSON.stringify({ ...g.envelope, actor: 'with \\ backslash' }),
      JSON.stringify({ ...g.envelope, id: 'a"quote' }),
      JSON.stringify({ extra: 1, ...g.envelope }),
      JSON.stringify({ ...g.envelope, data: undefined, hash: g.envelope.hash }),
      text.replace('"data":', '"data": '),
      text.replace(/"hash":"([0-9a-f]+)"}$/, '"hash":"$1","x":1}'),
      text.replace('"data":', '"data":1,"data":'),
      // A time PostgreSQL would refuse (JavaScript takes it: the main thread's decoder calls it poison).
      JSON.stringify({ ...g.envelope, occurredAt: '2026-02-30T16:22:05Z' }),
    ];
    for (const c of cases) expect([c, readerRow(1, g.subject, c)]).toEqual([c, null]);
    // Bytes that are not UTF-8.
    const bad = Buffer.from(text.replace('"data":{', '"data":{"bad":"@@",'));
    bad[bad.indexOf('@@')] = 0xff;
    expect(readerRow(1, g.subject, bad)).toBeNull();
  });

  it('keeps writing after its buffer fills up', () => {
    const rows = new ArchiveRows();
    const text = Buffer.from(JSON.stringify({ ...log[0]!.envelope, data: { big: 'x'.repeat(300_000) } }));
    for (let i = 0; i < 8; i++) expect(rows.append(text, 0, text.length, i + 1, log[0]!.subject)).toBe(true);
    const row = mainRow(8, log[0]!.subject, text.toString());
    expect(rows.pos).toBe(8 * (row.length / 2));
    expect(rows.buf.toString('hex', 7 * (row.length / 2), rows.pos)).toBe(row);
  });
});
