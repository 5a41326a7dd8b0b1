import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Role } from '@immune/contracts';
import type { GatewayRequest } from '../common/http-types';
import type { Caller } from '../keys/api-key.service';

export const PUBLIC_ROUTE = 'immune:public';
export const REQUIRED_ROLE = 'immune:role';
export const ANY_KEY = 'immune:any-key';

/** No key needed (health, readiness, metrics, the operator page). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The role a route needs; without this decorator a route needs `viewer`. */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/** Any valid key, whatever its role (even `ingest`). */
export const AnyKey = () => SetMetadata(ANY_KEY, true);

/** The authenticated caller (set by ApiKeyGuard). */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const caller = ctx.switchToHttp().getRequest<GatewayRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a route without ApiKeyGuard');
  return caller;
});
