import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ImmuneError, roleAllows, type Role } from '@immune/contracts';
import { ApiKeyService } from '../keys/api-key.service';
import type { GatewayRequest } from '../common/http-types';
import { ANY_KEY, PUBLIC_ROUTE, REQUIRED_ROLE } from './auth.decorators';
import { parseBearer } from './bearer';

/** Global guard: a valid bearer key (401 AUTH.UNAUTHORIZED) with a role high enough (403 AUTH.FORBIDDEN). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = ctx.switchToHttp().getRequest<GatewayRequest>();
    const key = parseBearer(req.headers.authorization);
    const caller = key ? await this.keys.authenticate(key) : null;
    if (!caller) {
      throw new ImmuneError('AUTH.UNAUTHORIZED', 'Unauthorized', 'Send a valid API key as `Authorization: Bearer <key>`.');
    }
    if (this.reflector.getAllAndOverride<boolean>(ANY_KEY, targets)) {
      req.caller = caller;
      return true;
    }
    const need = this.reflector.getAllAndOverride<Role>(REQUIRED_ROLE, targets) ?? 'viewer';
    if (!roleAllows(caller.role, need)) {
      throw new ImmuneError('AUTH.FORBIDDEN', 'Forbidden', `This needs the ${need} role; key "${caller.name}" is ${caller.role}.`);
    }
    req.caller = caller;
    return true;
  }
}
