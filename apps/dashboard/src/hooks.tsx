import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { isUnavailable } from './lib/api';
import { SessionContext, type Session } from './context';

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in console');
  return s;
}

/** Runs `fn` once now and then at most once per `ms` after its inputs change. */
export function useDebounced(fn: () => void, deps: unknown[], ms: number): void {
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    if (timer.current) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      last.current = Date.now();
      fnRef.current();
    }, wait);
  }, deps);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
}

export interface Loaded<T> {
  data: T | null;
  /** The gateway has no such route (another service provides it; not deployed yet). */
  unavailable: boolean;
  error: string | null;
  reload(): void;
}

/**
 * GETs `path` (when `enabled`), again at most every `ms` after `deps` change (live events). `enabled` false
 * (the route is not in the gateway's OpenAPI document) means unavailable, without asking.
 */
export function useLoad<T>(session: Session, path: string | null, enabled: boolean, deps: unknown[], ms = 800): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    setData(null);
    setError(null);
  }, [path]);
  useDebounced(
    () => {
      if (!path) return;
      if (!enabled) {
        setUnavailable(true);
        return;
      }
      session.api.get<T>(path).then(
        (d) => {
          setData(d);
          setError(null);
          setUnavailable(false);
        },
        (e: unknown) => {
          if (isUnavailable(e)) setUnavailable(true);
          else setError((e as Error).message);
        },
      );
    },
    [path, enabled, nonce, ...deps],
    ms,
  );
  return { data, unavailable, error, reload: () => setNonce((n) => n + 1) };
}

/** A clock that ticks every `ms` (countdowns, "x s ago"). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
