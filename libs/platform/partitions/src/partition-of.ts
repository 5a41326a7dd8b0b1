const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * 32-bit FNV-1a of a key's UTF-16 code units (= its bytes for the ASCII agent ids of the contract), unsigned.
 * `from` hashes only the key's tail (e.g. the last token of a subject) without slicing it: no allocation.
 */
export function fnv1a32(key: string, from = 0): number {
  let h = FNV_OFFSET;
  for (let i = from; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The partition (0 … partitions − 1) a key belongs to: FNV-1a(key) mod partitions. */
export function partitionOf(key: string, partitions: number): number {
  return fnv1a32(key) % partitions;
}

/** The partition of the tail of `text` from index `from` (a subject's last token), without slicing it. */
export function partitionOfTail(text: string, from: number, partitions: number): number {
  return fnv1a32(text, from) % partitions;
}

/** The lease key of partition `n` (`p{n}`). */
export function leaseKey(n: number): string {
  return `p${n}`;
}
