interface Pending<I, R> {
  item: I;
  resolve(r: R): void;
  reject(e: unknown): void;
}

/**
 * Coalesces calls made in the same turn of the event loop into one call over all their items (framework-free):
 * e.g. one SQL statement for every write that a progress notice released at once, instead of one each. A lone
 * call waits only for the current turn to end. Each call starts no earlier than its own would have, so a read
 * through it is never staler than a read of its own.
 */
export class Coalescer<I, R> {
  private pending: Pending<I, R>[] = [];

  constructor(
    /** Runs many items at once; answers one result per item, in order. */
    private readonly many: (items: I[]) => Promise<R[]>,
    private readonly maxBatch = 500,
    private readonly schedule: (run: () => void) => void = (run) => setImmediate(run),
  ) {}

  run(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1) this.schedule(() => this.flush());
    });
  }

  private flush(): void {
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.maxBatch) {
      const chunk = all.slice(i, i + this.maxBatch);
      this.many(chunk.map((p) => p.item)).then(
        (results) => {
          if (results.length !== chunk.length) {
            const e = new Error(`coalesced call answered ${results.length} results for ${chunk.length} items`);
            for (const p of chunk) p.reject(e);
            return;
          }
          chunk.forEach((p, k) => p.resolve(results[k]!));
        },
        (e: unknown) => {
          for (const p of chunk) p.reject(e);
        },
      );
    }
  }
}
