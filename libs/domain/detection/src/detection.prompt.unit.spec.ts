import { adoptPromptHash, describeBaseline } from './detection.baseline';
import { HASH, config, firstInfection, given, vital } from './detection.given.spec';

const other = vital({ promptHash: 'sha256:other' });

describe('prompt_change', () => {
  it('is not raised by 1 of the last 3 samples with another hash', () => {
    const seen = given().feed((i) => (i === 0 ? other : vital()), 5);
    expect(seen.every((o) => o.anomalies.length === 0)).toBe(true);
  });

  it('is raised at 10σ when 2 of the last 3 samples carry another hash, critical, with approval, at once', () => {
    const fed = given();
    const seen = fed.feed((i) => (i === 1 ? vital() : other), 3); // other, usual, other
    expect(seen[1]?.anomalies).toEqual([]);
    expect(seen[2]?.deviations.promptHash).toBe(10);
    expect(seen[2]?.infection).toEqual({
      anomalies: [{ type: 'prompt_change', metric: 'promptHash', sigma: 10 }],
      deviation: 10,
      severity: 'critical',
      requiresApproval: true,
      diagnoses: [
        { hypothesis: 'prompt_injection', confidence: 0.8, evidence: ['prompt_change at 10.0σ'] },
        { hypothesis: 'prompt_drift', confidence: 0.7, evidence: ['prompt_change at 10.0σ'] },
      ],
    });
  });

  it('takes the usual hash from the latest one seen in warm-up, and ignores vitals without a hash', () => {
    const fed = given({ warmup: (i) => vital({ promptHash: i < 10 ? 'sha256:old' : i < 14 ? HASH : null }) });
    expect(describeBaseline(fed.baseline).usualPromptHash).toBe(HASH);
    const seen = fed.feed((i) => vital({ promptHash: i % 2 === 0 ? null : HASH }), 10);
    expect(seen.every((o) => o.anomalies.length === 0)).toBe(true);
  });

  it('adopts the first hash an agent reports after warm-up if it reported none before', () => {
    const fed = given({ warmup: () => vital({ promptHash: null }) });
    expect(describeBaseline(fed.baseline).usualPromptHash).toBeNull();
    const seen = fed.feed(other, 10);
    expect(seen.every((o) => o.anomalies.length === 0)).toBe(true);
    expect(describeBaseline(fed.baseline).usualPromptHash).toBe('sha256:other');
  });

  it('adopts a new hash after 50 consecutive learned samples (observe mode), never while quarantined', () => {
    const quarantined = given();
    quarantined.feed(other, 200, false);
    expect(describeBaseline(quarantined.baseline).usualPromptHash).toBe(HASH);

    const fed = given({ cfg: config({ promptAdoptSamples: 50 }) });
    const seen = fed.feed(other, 60);
    expect(firstInfection(seen)).toBe(1);
    expect(describeBaseline(fed.baseline).usualPromptHash).toBe('sha256:other');
    expect(seen[55]?.anomalies).toEqual([]);
  });

  it('adopts a hash at once through adoptPromptHash', () => {
    const fed = given();
    adoptPromptHash(fed.baseline, 'sha256:other');
    expect(fed.feed(other, 5).every((o) => o.anomalies.length === 0)).toBe(true);
  });

  it('with an input token spike is prompt injection at 0.95', () => {
    const seen = given().feed(vital({ promptHash: 'sha256:other', inputTokens: 2000, tokens: 2200 }), 2);
    expect(seen[1]?.infection?.diagnoses[0]).toMatchObject({ hypothesis: 'prompt_injection', confidence: 0.95 });
  });
});
