import type { ValueTransformer } from 'typeorm';

/** node-postgres returns bigint as a string; stream sequences fit a JS number. */
export const bigintColumn: ValueTransformer = {
  to: (v: unknown) => v,
  from: (v: unknown) => (v === null || v === undefined ? v : Number(v)),
};
