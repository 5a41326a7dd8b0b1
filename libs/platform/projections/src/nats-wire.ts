/**
 * Receiving side of the NATS client protocol, for one job: taking a JetStream push consumer's messages off a plain
 * TCP connection as fast as they come, for the rebuild's stream reader (event-stream.worker.ts). nats.js spends
 * ~10 µs of JavaScript on each delivered message (its parser, a Msg with decoded arguments, header objects);
 * reading the frames straight from the socket's Buffers costs ~2 µs, which on a 2-core machine is a fifth of
 * what a whole rebuild spends. Everything else (creating and deleting the consumer, the JetStream API) stays with
 * nats.js, and the worker falls back to a nats.js subscription when a server needs what this does not speak
 * (TLS, nkeys or JWTs): see `WireUnsupportedError`.
 *
 * Protocol (docs.nats.io, "Client Protocol"): the server opens with `INFO {json}`; the client sends `CONNECT
 * {json}` and `SUB`, answers `PING` with `PONG`, and receives `MSG <subject> <sid> [reply] <bytes>` and
 * `HMSG <subject> <sid> [reply] <header bytes> <total bytes>` frames, each followed by its payload and CRLF.
 *
 * Only Node imports here (see worker-thread.ts).
 */
import { connect as tcpConnect, type Socket } from 'node:net';

/** The server wants something this client does not do; use nats.js instead. */
export class WireUnsupportedError extends Error {
  override readonly name = 'WireUnsupportedError';
}

/**
 * One delivered message, valid only during the callback (the object and the buffer are reused): the subject as a
 * string, the reply subject, headers and payload as ranges of `buf` (the reply is decoded only when asked for).
 */
export class WireFrame {
  buf: Buffer = Buffer.alloc(0);
  subject = '';
  /** Reply subject `[replyStart, replyEnd)`, empty when none. */
  replyStart = 0;
  replyEnd = 0;
  /** Header block `[headerStart, payloadStart)` (empty for MSG), payload `[payloadStart, payloadEnd)`. */
  headerStart = 0;
  payloadStart = 0;
  payloadEnd = 0;

  get reply(): string {
    return this.buf.toString('utf8', this.replyStart, this.replyEnd);
  }

  get headers(): string {
    return this.buf.toString('utf8', this.headerStart, this.payloadStart);
  }
}

export interface WireParserEvents {
  frame(f: WireFrame): void;
  ping(): void;
  /** INFO, +OK, PONG, -ERR: the line without CRLF. */
  control(line: string): void;
}

/** Longest control line accepted (subjects are short; a longer line is a broken stream). */
const MAX_CONTROL_LINE = 64 * 1024;

/**
 * Splits the byte stream into frames. Chunks may end anywhere: an incomplete frame waits for the next one.
 */
export class WireParser {
  private pending: Buffer | null = null;
  private readonly frame = new WireFrame();
  /** Field boundaries of the current control line: start and end of up to 6 fields. */
  private readonly fields = new Int32Array(12);

  constructor(private readonly on: WireParserEvents) {}

  push(chunk: Buffer): void {
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    let pos = 0;
    while (pos < buf.length) {
      const next = this.parseAt(buf, pos);
      if (next < 0) {
        if (buf.length - pos > MAX_CONTROL_LINE && buf.indexOf(10, pos) < 0) throw new Error('NATS protocol: control line too long');
        this.pending = buf.subarray(pos);
        return;
      }
      pos = next;
    }
  }

  /** Parses one frame at `pos`; returns the position after it, or -1 when it is not complete yet. */
  private parseAt(buf: Buffer, pos: number): number {
    const lf = buf.indexOf(10, pos);
    if (lf < 0) return -1;
    const lineEnd = lf > pos && buf[lf - 1] === 13 ? lf - 1 : lf;
    const c = buf[pos]! | 0x20; // lower case
    const isMsg = c === 0x6d; // m
    const isHmsg = c === 0x68; // h
    if (isMsg || isHmsg) {
      const n = this.split(buf, pos, lineEnd);
      // MSG subject sid [reply] bytes | HMSG subject sid [reply] hdr total (field 0 is the verb)
      const withReply = isHmsg ? n === 6 : n === 5;
      if (n < (isHmsg ? 5 : 4) || n > (isHmsg ? 6 : 5)) throw new Error(`NATS protocol: bad ${isHmsg ? 'HMSG' : 'MSG'} line "${buf.toString('latin1', pos, lineEnd)}"`);
      const total = this.number(buf, n - 1);
      const header = isHmsg ? this.number(buf, n - 2) : 0;
      if (total < 0 || header < 0 || header > total) throw new Error(`NATS protocol: bad sizes in "${buf.toString('latin1', pos, lineEnd)}"`);
      const start = lf + 1;
      const end = start + total;
      if (end + 2 > buf.length) return -1;
      const f = this.frame;
      f.buf = buf;
      f.subject = buf.toString('utf8', this.fields[2]!, this.fields[3]!);
      f.replyStart = withReply ? this.fields[6]! : 0;
      f.replyEnd = withReply ? this.fields[7]! : 0;
      f.headerStart = start;
      f.payloadStart = start + header;
      f.payloadEnd = end;
      this.on.frame(f);
      // The payload is followed by CRLF.
      return end + 2;
    }
    const line = buf.toString('latin1', pos, lineEnd);
    if (/^ping$/i.test(line)) this.on.ping();
    else this.on.control(line);
    return lf + 1;
  }

  /** Splits [start, end) on spaces and tabs into this.fields; returns the number of fields. */
  private split(buf: Buffer, start: number, end: number): number {
    let n = 0;
    let i = start;
    while (i < end && n < 6) {
      while (i < end && (buf[i] === 32 || buf[i] === 9)) i++;
      if (i >= end) break;
      const s = i;
      while (i < end && buf[i] !== 32 && buf[i] !== 9) i++;
      this.fields[2 * n] = s;
      this.fields[2 * n + 1] = i;
      n++;
    }
    while (i < end && (buf[i] === 32 || buf[i] === 9)) i++;
    return i < end ? 7 : n; // more than 6 fields: refused by the caller
  }

  private number(buf: Buffer, field: number): number {
    const s = this.fields[2 * field]!;
    const e = this.fields[2 * field + 1]!;
    if (e === s || e - s > 15) return -1;
    let v = 0;
    for (let i = s; i < e; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    return v;
  }
}

/** The status line of a header block: `NATS/1.0 100 FlowControl Request` → code and description. */
export function wireStatus(headers: string): { code: number; description: string } {
  const eol = headers.indexOf('\r\n');
  const m = /^NATS\/1\.0(?:\s+(\d{3}))?\s*(.*)$/.exec(eol < 0 ? headers : headers.slice(0, eol));
  return m ? { code: m[1] ? Number(m[1]) : 0, description: (m[2] ?? '').trim() } : { code: 0, description: '' };
}

/** A header's value from a header block (case-insensitive name), or null. */
export function wireHeader(headers: string, name: string): string | null {
  const lower = name.toLowerCase();
  for (const line of headers.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === lower) return line.slice(colon + 1).trim();
  }
  return null;
}

export interface WireSubscriberOptions {
  /** `nats://[user:pass@|token@]host:port` as NATS_URL gives it (nats:// may be left out). */
  server: string;
  name: string;
  /** Called for every MSG/HMSG; the frame is only valid during the call. */
  onFrame: (f: WireFrame) => void;
  /** The connection failed or closed when it should not have. */
  onError: (e: Error) => void;
  timeoutMs?: number;
}

/**
 * A connection that subscribes and publishes empty messages (flow-control answers), nothing else. No reconnects:
 * a broken connection is reported to onError and the caller starts over.
 */
export class WireSubscriber {
  private closed = false;
  private sid = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly onError: (e: Error) => void,
  ) {}

  static async connect(opts: WireSubscriberOptions): Promise<WireSubscriber> {
    const url = new URL(/^[a-z]+:\/\//i.test(opts.server) ? opts.server : `nats://${opts.server}`);
    if (url.protocol !== 'nats:') throw new WireUnsupportedError(`scheme ${url.protocol}`);
    const socket = tcpConnect(Number(url.port || 4222), url.hostname.replace(/^\[|\]$/g, ''));
    socket.setNoDelay(true);
    const timeoutMs = opts.timeoutMs ?? 5000;
    let sub: WireSubscriber | null = null;
    return new Promise<WireSubscriber>((resolve, reject) => {
      let settled = false;
      const settle = (e: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (e) {
          socket.destroy();
          reject(e);
        } else resolve(sub!);
      };
      const timer = setTimeout(() => settle(new Error(`NATS at ${url.host}: no answer within ${timeoutMs} ms`)), timeoutMs);
      const parser = new WireParser({
        frame: (f) => opts.onFrame(f),
        ping: () => socket.write('PONG\r\n'),
        control: (line) => {
          if (line.startsWith('INFO ') && !sub) {
            let info: Record<string, unknown>;
            try {
              info = JSON.parse(line.slice(5)) as Record<string, unknown>;
            } catch {
              return settle(new Error(`NATS at ${url.host}: unreadable INFO`));
            }
            if (info['tls_required'] === true) return settle(new WireUnsupportedError('the server requires TLS'));
            if (info['auth_required'] === true && !url.username) return settle(new WireUnsupportedError('the server requires credentials this client does not have'));
            if (typeof info['nonce'] === 'string' && !url.username) return settle(new WireUnsupportedError('the server asks for an nkey signature'));
            const connect: Record<string, unknown> = { verbose: false, pedantic: false, headers: true, no_responders: true, protocol: 1, lang: 'immune-wire', version: '1', name: opts.name };
            if (url.username && url.password) Object.assign(connect, { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) });
            else if (url.username) connect['auth_token'] = decodeURIComponent(url.username);
            sub = new WireSubscriber(socket, opts.onError);
            socket.write(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`);
          } else if (line === 'PONG' || line === 'pong') settle(null);
          else if (line.startsWith('-ERR')) {
            const e = new Error(`NATS at ${url.host}: ${line.slice(4).trim()}`);
            if (!settled) settle(e);
            else sub?.fail(e);
          }
        },
      });
      socket.on('data', (chunk: Buffer) => {
        try {
          parser.push(chunk);
        } catch (e) {
          const err = e instanceof Error ? e : new Error(String(e));
          if (!settled) settle(err);
          else sub?.fail(err);
        }
      });
      socket.on('error', (e) => (settled ? sub?.fail(e) : settle(e)));
      socket.on('close', () => (settled ? sub?.fail(new Error(`the connection to NATS at ${url.host} closed`)) : settle(new Error(`NATS at ${url.host} closed the connection`))));
    });
  }

  subscribe(subject: string): number {
    const sid = ++this.sid;
    this.socket.write(`SUB ${subject} ${sid}\r\n`);
    return sid;
  }

  unsubscribe(sid: number): void {
    if (!this.closed) this.socket.write(`UNSUB ${sid}\r\n`);
  }

  /** An empty message (a flow-control answer, a nudge of a stalled consumer). */
  publish(subject: string): void {
    if (!this.closed) this.socket.write(`PUB ${subject} 0\r\n\r\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.close();
    this.onError(e);
  }
}
