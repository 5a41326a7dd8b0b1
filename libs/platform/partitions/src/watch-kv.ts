import { KvWatchInclude, type KV, type KvEntry, type KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/nats-core';

export interface KvWatch {
  stop(): void;
}

export interface WatchKvOptions {
  /** One key (or a wildcard); default: every key of the bucket. */
  key?: string;
  /** Give up waiting for the current values after this long (the watch goes on). Default 10 s. */
  initialTimeoutMs?: number;
}

/**
 * Watches a KV bucket and calls `onEntry` for every current value, then for every change (deletes included,
 * `operation` DEL/PURGE). Resolves once the current values have been delivered, so the caller starts with the
 * bucket's state in hand. Entries of one key arrive in revision order.
 *
 * A single key is read with `get` after an updates-only watch has started (a change in between arrives through
 * the watch; the caller drops an entry whose revision is older than one it applied). A wildcard watch delivers
 * the current values itself; the last of them has `delta` (messages still pending) 0.
 */
export async function watchKv(kv: KV, onEntry: (e: KvEntry) => void, opts: WatchKvOptions = {}): Promise<KvWatch> {
  const key = opts.key ?? '>';
  const single = !key.includes('*') && !key.includes('>');
  const deliver = (e: KvEntry): void => {
    try {
      onEntry(e);
    } catch {
      // One bad entry must not end the watch.
    }
  };
  if (single) {
    const iter = await kv.watch({ key, include: KvWatchInclude.UpdatesOnly });
    void pump(iter, deliver, () => undefined);
    const current = await kv.get(key);
    if (current) deliver(current);
    return { stop: () => iter.stop() };
  }
  const { values } = await kv.status();
  const iter = await kv.watch({ key });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  if (values === 0) markReady();
  void pump(iter, deliver, markReady);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.initialTimeoutMs ?? 10_000)))]);
  clearTimeout(timer);
  return { stop: () => iter.stop() };
}

async function pump(iter: QueuedIterator<KvWatchEntry>, deliver: (e: KvEntry) => void, caughtUp: () => void): Promise<void> {
  try {
    for await (const e of iter) {
      deliver(e);
      if (e.delta === 0) caughtUp();
    }
  } catch {
    // The watch ends with the connection.
  } finally {
    caughtUp();
  }
}
