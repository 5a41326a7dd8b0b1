import type { KV, KvEntry } from '@nats-io/kv';
import { DEFAULT_POSTURE, POSTURE_KEY, parsePostureState, postureEffects, type PostureEffects, type PostureState } from '@immune/contracts';
import { watchKv, type KvWatch } from './watch-kv';

/**
 * The fleet posture in force, as every enforcing service sees it: KV `{ns}_config`, key `posture`, written by the
 * escalation service only. A missing or unreadable value is the default posture (operator). `onChange` runs when
 * the profile changes (not for a rewrite of the same profile).
 */
export class PostureWatch {
  private state: PostureState = DEFAULT_POSTURE;
  private revision = 0;
  private watch: KvWatch | null = null;

  constructor(
    private readonly kv: KV | null,
    private readonly onChange: (p: PostureState) => void = () => undefined,
    private readonly onUnreadable: (revision: number) => void = () => undefined,
  ) {}

  get current(): PostureState {
    return this.state;
  }

  get effects(): PostureEffects {
    return postureEffects(this.state.current);
  }

  /** Follows the key (its current value first); `kv` overrides the bucket given to the constructor. */
  async start(kv: KV | null = this.kv): Promise<KvWatch> {
    if (!kv) throw new Error('PostureWatch.start: no KV bucket');
    this.watch = await watchKv(kv, (e) => this.onEntry(e), { key: POSTURE_KEY });
    return { stop: () => this.stop() };
  }

  /** Applies one entry of the key's history (older revisions than the last applied are ignored). */
  onEntry(e: Pick<KvEntry, 'revision' | 'operation' | 'json'>): void {
    if (e.revision < this.revision) return;
    this.revision = e.revision;
    let next: PostureState = DEFAULT_POSTURE;
    if (e.operation === 'PUT') {
      let parsed: PostureState | null = null;
      try {
        parsed = parsePostureState(e.json());
      } catch {
        parsed = null;
      }
      if (parsed) next = parsed;
      else this.onUnreadable(e.revision);
    }
    const changed = next.current !== this.state.current;
    this.state = next;
    if (changed) this.onChange(next);
  }

  stop(): void {
    this.watch?.stop();
    this.watch = null;
  }
}
