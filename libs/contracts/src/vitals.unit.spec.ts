import { checkVital, checkVitalBytes, rejectedVital, MAX_VITAL_BYTES } from './vitals';

const NOW = Date.parse('2026-11-23T10:00:00Z');
const good = { agentId: 'agent-1', latencyMs: 120.5, inputTokens: 100, outputTokens: 50, toolCalls: 2, retries: 0 };

describe('checkVital', () => {
  it('accepts a minimal vital and fills the defaults', () => {
    const r = checkVital(good, 'agent-1', NOW);
    expect(r).toEqual({
      ok: true,
      vital: {
        ...good, ts: NOW, tokens: 150, costUsd: 0, success: true, errorType: null, promptHash: null,
        model: null, agentType: null, mcpServers: [],
      },
    });
  });

  it('keeps explicit optional fields, ISO and epoch timestamps', () => {
    const iso = checkVital({ ...good, ts: '2026-11-23T09:59:00Z', tokens: 7, costUsd: 0.02, success: false, errorType: 'Timeout', promptHash: 'h1', model: 'm', agentType: 'coder', mcpServers: ['fs'] }, null, NOW);
    expect(iso.ok && iso.vital).toMatchObject({ ts: NOW - 60_000, tokens: 7, costUsd: 0.02, success: false, errorType: 'Timeout', mcpServers: ['fs'] });
    const epoch = checkVital({ ...good, ts: NOW - 5 }, null, NOW);
    expect(epoch.ok && epoch.vital.ts).toBe(NOW - 5);
  });

  it.each([
    [[1, 2], 'a vital must be a JSON object'],
    [{ ...good, agentId: 'bad id!' }, 'agentId must match'],
    [{ ...good, agentId: 'x'.repeat(129) }, 'agentId must match'],
    [{ ...good, latencyMs: -1 }, 'latencyMs must be'],
    [{ ...good, latencyMs: '5' }, 'latencyMs must be'],
    [{ ...good, inputTokens: 1.5 }, 'inputTokens must be an integer'],
    [{ ...good, outputTokens: undefined }, 'outputTokens must be an integer'],
    [{ ...good, toolCalls: -2 }, 'toolCalls must be an integer'],
    [{ ...good, retries: null }, 'retries must be an integer'],
    [{ ...good, tokens: -1 }, 'tokens must be an integer'],
    [{ ...good, costUsd: Number.NaN }, 'costUsd must be'],
    [{ ...good, success: 'yes' }, 'success must be a boolean'],
    [{ ...good, model: 42 }, 'model must be a string'],
    [{ ...good, mcpServers: 'fs' }, 'mcpServers must be an array'],
    [{ ...good, ts: NOW + 301_000 }, 'ahead'],
    [{ ...good, ts: NOW - 3_601_000 }, 'behind'],
    [{ ...good, ts: 'yesterday' }, 'ts must be'],
    [{ ...good, extra: 1 }, 'unknown field "extra"'],
  ])('rejects %j with a reason', (input, reason) => {
    const r = checkVital(input, null, NOW);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });

  it('rejects a vital whose agentId differs from the subject', () => {
    const r = checkVital(good, 'agent-2', NOW);
    expect(!r.ok && r.reason).toContain('does not match the subject');
  });
});

describe('checkVitalBytes', () => {
  it('rejects oversized and non-JSON payloads before parsing them', () => {
    const big = new Uint8Array(MAX_VITAL_BYTES + 1).fill(32);
    expect(checkVitalBytes(big, null, NOW)).toEqual({ ok: false, reason: expect.stringContaining('at most') });
    expect(checkVitalBytes(Buffer.from('{nope'), null, NOW)).toEqual({ ok: false, reason: 'not valid JSON' });
    expect(checkVitalBytes(Buffer.from(JSON.stringify(good)), 'agent-1', NOW).ok).toBe(true);
  });

  it('keeps only the first KiB of a rejected payload', () => {
    const r = rejectedVital('too big', 'immune.vitals.a', Buffer.alloc(5000, 97));
    expect(r.payload).toHaveLength(1024);
    expect(r).toMatchObject({ reason: 'too big', subject: 'immune.vitals.a' });
  });
});
