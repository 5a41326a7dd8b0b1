import { ackSequences } from './event-stream.worker';

describe('ackSequences (the sequences in a JetStream reply subject)', () => {
  it('reads the stream and delivery sequences of both reply formats', () => {
    expect(ackSequences('$JS.ACK.NS_EVENTS.abc123.1.4711.42.1767225600000000000.9')).toEqual({ streamSeq: 4711, deliverySeq: 42 });
    // With domain and account hash, with and without the trailing token.
    expect(ackSequences('$JS.ACK.hub.ACCHASH.NS_EVENTS.abc123.1.4711.42.1767225600000000000.9')).toEqual({ streamSeq: 4711, deliverySeq: 42 });
    expect(ackSequences('$JS.ACK.hub.ACCHASH.NS_EVENTS.abc123.1.4711.42.1767225600000000000.9.xyz')).toEqual({ streamSeq: 4711, deliverySeq: 42 });
  });

  it('refuses anything else', () => {
    expect(ackSequences('_INBOX.abc.def')).toBeNull();
    expect(ackSequences('$JS.ACK.NS_EVENTS.abc123.1.x.42.1.9')).toBeNull();
    expect(ackSequences('$JS.ACK.too.few')).toBeNull();
    expect(ackSequences('$JS.NAK.NS_EVENTS.abc123.1.4711.42.1767225600000000000.9')).toBeNull();
  });
});
