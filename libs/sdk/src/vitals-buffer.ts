/**
 * A bounded FIFO of vitals waiting to be published. When it is full the OLDEST entry is dropped (and counted):
 * fresh vitals matter more to detection than stale ones, and reporting must never block or grow without bound.
 */
export class VitalsBuffer<T> {
  private items: T[] = [];
  private head = 0;
  private droppedCount = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be an integer ≥ 1');
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Entries dropped because the buffer was full, since it was created. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Adds one entry; returns false when an older entry had to be dropped to make room. */
  push(item: T): boolean {
    let room = true;
    if (this.size >= this.capacity) {
      this.head++;
      this.droppedCount++;
      room = false;
    }
    this.items.push(item);
    this.compact();
    return room;
  }

  /** Removes and returns up to `max` of the oldest entries. */
  take(max: number): T[] {
    const n = Math.min(max, this.size);
    const out = this.items.slice(this.head, this.head + n);
    this.head += n;
    this.compact();
    return out;
  }

  /** Puts entries that could not be published back in front, keeping the capacity (the oldest go first). */
  requeue(batch: readonly T[]): void {
    const rest = this.items.slice(this.head);
    const merged = [...batch, ...rest];
    const over = Math.max(0, merged.length - this.capacity);
    this.droppedCount += over;
    this.items = merged.slice(over);
    this.head = 0;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
