import { FULL_RESTRICTIONS, NO_RESTRICTIONS } from '@immune/contracts';
import type { QuarantineLevel, Restrictions } from '@immune/contracts';

/**
 * What an agent may not do at each quarantine level. Both levels cut everything today: `suspended` also
 * stops all work, which the status itself says. Kept per level so the two can diverge in one place.
 */
export function restrictionsFor(level: QuarantineLevel | 'terminated'): Restrictions {
  switch (level) {
    case 'restricted':
      return { ...FULL_RESTRICTIONS };
    case 'suspended':
      return { ...FULL_RESTRICTIONS };
    case 'terminated':
      return { ...FULL_RESTRICTIONS };
    default: {
      const unknownLevel: never = level;
      throw new Error(`unknown quarantine level ${String(unknownLevel)}`);
    }
  }
}

export function releasedRestrictions(): Restrictions {
  return { ...NO_RESTRICTIONS };
}
