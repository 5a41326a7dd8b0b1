import { Injectable, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, from, mergeMap, of, throwError, type Observable } from 'rxjs';
import type { GatewayRequest, GatewayResponse } from '../common/http-types';
import { PROBLEM_CONTENT_TYPE, problemFromError } from '../common/problem';
import { hashRequest } from '../common/request-hash';
import { IdempotencyStore, parseIdempotencyKey, type StoredAnswer } from './idempotency.store';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const KEPT_HEADERS = ['etag', 'location'];
const JSON_TYPE = 'application/json; charset=utf-8';
const REDACT = 'immune:idempotency-redact';
/** Refusals that a retry may not meet again: not kept, so the same key can be retried. */
const RETRYABLE = new Set(['CONCURRENCY.CONFLICT']);

/** Fields of a route's answer that are never stored for replay (secrets shown once, e.g. a new API key). */
export const RedactOnReplay = (...fields: string[]) => SetMetadata(REDACT, fields);

/**
 * `Idempotency-Key` on writes: the first answer (2xx or 4xx) is stored per actor for 24 h and a repeat gets it
 * back with `Idempotent-Replayed: true`. A 5xx (or a concurrency conflict) frees the key so the request can be
 * retried; since the command id is derived from the same key, the retried command is applied at most once.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = ctx.switchToHttp();
    const req = http.getRequest<GatewayRequest>();
    const res = http.getResponse<GatewayResponse>();
    if (!WRITES.has(req.method ?? '') || !req.caller) return next.handle();
    const key = parseIdempotencyKey(req.headers['idempotency-key']);
    if (key === undefined) return next.handle();

    const actor = req.caller.name;
    const redact = this.reflector.get<string[] | undefined>(REDACT, ctx.getHandler()) ?? [];
    const begun = await this.store.begin({
      actor,
      key,
      method: req.method ?? 'POST',
      path: req.originalUrl,
      requestHash: hashRequest(req.method ?? 'POST', req.originalUrl, req.body),
    });
    if (begun.kind === 'replay') return of(replayOf(begun));

    return next.handle().pipe(
      mergeMap((body) =>
        from(
          this.store
            .complete(actor, key, {
              status: res.statusCode,
              body: redacted(body ?? null, redact),
              headers: keptHeaders(res, body === undefined ? null : JSON_TYPE),
            })
            .then(() => body),
        ),
      ),
      catchError((error: unknown) => {
        const { problem, headers } = problemFromError(error, req.originalUrl.split('?')[0]);
        const settle =
          problem.status < 500 && !RETRYABLE.has(problem.code)
            ? this.store.complete(actor, key, { status: problem.status, body: problem, headers: { ...headers, 'content-type': PROBLEM_CONTENT_TYPE } })
            : this.store.abandon(actor, key);
        return from(settle.catch(() => undefined)).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }
}

function redacted(body: unknown, fields: string[]): unknown {
  if (fields.length === 0 || typeof body !== 'object' || body === null) return body;
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const f of fields) if (f in copy) copy[f] = null;
  return copy;
}

function keptHeaders(res: GatewayResponse, contentType: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const v = res.getHeader(name);
    if (v !== undefined) out[name] = String(v);
  }
  if (contentType) out['content-type'] = contentType;
  return out;
}

/** The stored answer as a web Response: Nest sends its status and headers as they are. */
function replayOf(answer: StoredAnswer): Response {
  const headers = new Headers(answer.headers);
  headers.set('Idempotent-Replayed', 'true');
  const empty = answer.status === 204 || answer.status === 304 || answer.body === null;
  return new Response(empty ? null : JSON.stringify(answer.body), { status: answer.status, headers });
}
