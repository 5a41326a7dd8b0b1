import { createServer, type AddressInfo, type Socket } from 'node:net';
import { WireParser, WireSubscriber, WireUnsupportedError, wireHeader, wireStatus, type WireFrame } from './nats-wire';

interface Seen {
  subject: string;
  reply: string;
  headers: string;
  payload: string;
}

function parserOf() {
  const frames: Seen[] = [];
  const controls: string[] = [];
  let pings = 0;
  const parser = new WireParser({
    frame: (f: WireFrame) => frames.push({ subject: f.subject, reply: f.reply, headers: f.headers, payload: f.buf.toString('utf8', f.payloadStart, f.payloadEnd) }),
    ping: () => pings++,
    control: (line) => controls.push(line),
  });
  return { parser, frames, controls, pings: () => pings };
}

const HEADERS = 'NATS/1.0\r\nNats-Msg-Id: e1\r\n\r\n';
const FC = 'NATS/1.0 100 FlowControl Request\r\n\r\n';
const STREAM = [
  'INFO {"server_id":"x","headers":true}\r\n',
  '+OK\r\n',
  'MSG ns.events.agent.a1 1 $JS.ACK.S.C.1.7.7.0.0 5\r\nhello\r\n',
  'PING\r\n',
  `HMSG ns.events.agent.a2 1 $JS.ACK.S.C.1.8.8.0.0 ${Buffer.byteLength(HEADERS)} ${Buffer.byteLength(HEADERS) + Buffer.byteLength('{"ü":"🚨"}')}\r\n${HEADERS}{"ü":"🚨"}\r\n`,
  `HMSG _INBOX.x 1 $JS.FC.S.C.1 ${FC.length} ${FC.length}\r\n${FC}\r\n`,
  'MSG\tno.reply\t2\t0\r\n\r\n',
  '-ERR \'Stale Connection\'\r\n',
].join('');

describe('WireParser (NATS frames off a socket)', () => {
  const expected: Seen[] = [
    { subject: 'ns.events.agent.a1', reply: '$JS.ACK.S.C.1.7.7.0.0', headers: '', payload: 'hello' },
    { subject: 'ns.events.agent.a2', reply: '$JS.ACK.S.C.1.8.8.0.0', headers: HEADERS, payload: '{"ü":"🚨"}' },
    { subject: '_INBOX.x', reply: '$JS.FC.S.C.1', headers: FC, payload: '' },
    { subject: 'no.reply', reply: '', headers: '', payload: '' },
  ];

  it('reads every kind of frame from one chunk', () => {
    const p = parserOf();
    p.parser.push(Buffer.from(STREAM));
    expect(p.frames).toEqual(expected);
    expect(p.pings()).toBe(1);
    expect(p.controls).toEqual(['INFO {"server_id":"x","headers":true}', '+OK', "-ERR 'Stale Connection'"]);
  });

  it('gives the same frames whatever the chunks are cut at, also inside a multi-byte character', () => {
    const bytes = Buffer.from(STREAM);
    for (const size of [1, 2, 3, 7, 16, 61, 200]) {
      const p = parserOf();
      for (let i = 0; i < bytes.length; i += size) p.parser.push(bytes.subarray(i, i + size));
      expect(p.frames).toEqual(expected);
      expect(p.pings()).toBe(1);
    }
  });

  it('refuses a broken frame instead of guessing', () => {
    expect(() => parserOf().parser.push(Buffer.from('MSG only.subject\r\n'))).toThrow(/bad MSG line/);
    expect(() => parserOf().parser.push(Buffer.from('HMSG s 1 r 9 4\r\n'))).toThrow(/bad sizes/);
    expect(() => parserOf().parser.push(Buffer.from('MSG s 1 x5\r\n'))).toThrow(/bad sizes/);
    expect(() => parserOf().parser.push(Buffer.from(`MSG ${'s'.repeat(70 * 1024)}`))).toThrow(/too long/);
  });
});

describe('wireStatus / wireHeader', () => {
  it('reads the status line and a header', () => {
    const h = 'NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 3\r\nNats-Consumer-Stalled: $JS.FC.x\r\n\r\n';
    expect(wireStatus(h)).toEqual({ code: 100, description: 'Idle Heartbeat' });
    expect(wireHeader(h, 'nats-consumer-stalled')).toBe('$JS.FC.x');
    expect(wireHeader(h, 'Nats-Msg-Id')).toBeNull();
    expect(wireStatus('NATS/1.0\r\nNats-Msg-Id: e1\r\n\r\n')).toEqual({ code: 0, description: '' });
    expect(wireStatus('NATS/1.0 409 Consumer Deleted\r\n\r\n')).toEqual({ code: 409, description: 'Consumer Deleted' });
  });
});

describe('WireSubscriber.connect (against a scripted server on a local socket)', () => {
  // A few lines of server: sends INFO, records what the client writes, answers PING with PONG.
  async function scriptedServer(info: Record<string, unknown>): Promise<{ url: string; written: () => string; close: () => Promise<void> }> {
    let written = '';
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.write(`INFO ${JSON.stringify(info)}\r\n`);
      socket.on('data', (d) => {
        written += d.toString();
        if (written.includes('PING\r\n') && !written.includes('SUB ')) socket.write('PONG\r\nMSG a.b 1 $JS.ACK.S.C.1.5.5.0.0 2\r\nhi\r\n');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    return {
      url: `127.0.0.1:${port}`,
      written: () => written,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  }

  it('connects with the credentials of the URL, and hands over frames', async () => {
    const server = await scriptedServer({ server_id: 'x', headers: true, auth_required: true });
    const subjects: string[] = [];
    const wire = await WireSubscriber.connect({ server: `nats://al%20ice:s3cret@${server.url}`, name: 't', onFrame: (f) => subjects.push(f.subject), onError: () => undefined });
    try {
      const connect = JSON.parse(/CONNECT (\{.*\})\r\n/.exec(server.written())![1]!) as Record<string, unknown>;
      expect(connect).toMatchObject({ user: 'al ice', pass: 's3cret', headers: true, verbose: false });
      await new Promise((r) => setTimeout(r, 50));
      expect(subjects).toEqual(['a.b']);
    } finally {
      wire.close();
      await server.close();
    }
  });

  it('leaves TLS, and credentials it does not have, to nats.js', async () => {
    for (const info of [{ tls_required: true }, { auth_required: true }, { nonce: 'abc' }]) {
      const server = await scriptedServer({ server_id: 'x', ...info });
      try {
        await expect(WireSubscriber.connect({ server: server.url, name: 't', onFrame: () => undefined, onError: () => undefined })).rejects.toBeInstanceOf(WireUnsupportedError);
      } finally {
        await server.close();
      }
    }
  });

  it('reports a connection that breaks after it was made', async () => {
    const server = await scriptedServer({ server_id: 'x' });
    const errors: Error[] = [];
    const wire = await WireSubscriber.connect({ server: server.url, name: 't', onFrame: () => undefined, onError: (e) => errors.push(e) });
    await server.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/closed/)]);
    wire.close();
  });
});
