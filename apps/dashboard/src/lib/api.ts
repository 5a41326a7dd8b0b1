/** A problem+json answer (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The route is not there (yet): another service or a newer gateway provides it. */
export function isUnavailable(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404 && (e.code === 'ROUTE.NOT_FOUND' || e.code === '');
}

/** The REST API with the signed-in key (kept in sessionStorage by the page, never here). */
export class Api {
  constructor(
    readonly base: string,
    private readonly key: string,
  ) {}

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.call<T>('GET', path, undefined, signal);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  /** `fetch` with the key, for the event stream. */
  stream(path: string, signal: AbortSignal): Promise<Response> {
    return fetch(this.base + path, { headers: { authorization: `Bearer ${this.key}`, accept: 'text/event-stream' }, signal });
  }

  private async call<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal,
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new ApiError(0, 'NETWORK', 'The gateway cannot be reached.');
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const p = (parsed ?? {}) as { code?: string; detail?: string; title?: string };
      throw new ApiError(res.status, p.code ?? '', p.detail ?? p.title ?? `${method} ${path}: HTTP ${res.status}`);
    }
    return parsed as T;
  }
}

/** Every page of a list route (`limit` 500 a page), up to `max` items. */
export async function getAll<T>(api: Api, path: string, max = 100_000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const page: { items: T[]; nextCursor: string | null } = await api.get(
      `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out;
}
