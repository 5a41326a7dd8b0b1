import { storedAtMsOf } from './vitals-consumer';

describe('storedAtMsOf', () => {
  const info = { timestampNanos: 7_000_000 } as never;

  it('reads the stored time from both forms of the ack subject', () => {
    const ns = '1763884000123456789';
    const expected = Number(ns) / 1e6;
    expect(storedAtMsOf({ reply: `$JS.ACK.E_VITALS.telemetry-vitals.1.12345.678.${ns}.42`, info } as never)).toBe(expected);
    expect(storedAtMsOf({ reply: `$JS.ACK._.ACC.E_VITALS.telemetry-vitals.1.12345.678.${ns}.42`, info } as never)).toBe(expected);
    expect(storedAtMsOf({ reply: `$JS.ACK._.ACC.E_VITALS.telemetry-vitals.1.12345.678.${ns}.42.x9`, info } as never)).toBe(expected);
  });

  it('falls back to the parsed delivery info for any other subject', () => {
    expect(storedAtMsOf({ reply: 'not.an.ack', info } as never)).toBe(7);
    expect(storedAtMsOf({ reply: '$JS.ACK.S.C.1.2.3.nope.4', info } as never)).toBe(7);
    expect(storedAtMsOf({ info } as never)).toBe(7);
  });
});
