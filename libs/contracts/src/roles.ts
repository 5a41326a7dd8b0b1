/** viewer < operator < admin; `ingest` is separate and may only post vitals. */
export const ROLES = ['viewer', 'operator', 'admin', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { ingest: -1, viewer: 0, operator: 1, admin: 2 };

/** Whether a key of role `have` may do what needs role `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  if (need === 'ingest' || have === 'ingest') return have === need;
  return RANK[have] >= RANK[need];
}
