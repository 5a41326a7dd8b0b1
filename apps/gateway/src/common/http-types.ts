import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from '../keys/api-key.service';

/** The parts of Express's request and response the gateway uses (no @types/express in the workspace). */
export interface GatewayRequest extends IncomingMessage {
  originalUrl: string;
  path: string;
  body?: unknown;
  query: Record<string, unknown>;
  params: Record<string, string>;
  caller?: Caller;
}

export interface GatewayResponse extends ServerResponse {
  status(code: number): this;
  set(field: string, value: string): this;
  type(contentType: string): this;
  send(body?: unknown): this;
}
