import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@app/database';
import { MissingApiKeyError, RoleRequiredError } from './auth.errors';
import { AuthenticatedRequest, IS_PUBLIC, ROLES } from './decorators';
import { UsersService } from './users.service';

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Global guard: every route needs a valid key unless marked @Public(). A public route called with a key
 * still resolves the caller (so creators see their own private personas), and a bad key there is still an error.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: UsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) ?? false;
    const token = bearerToken(request.header('authorization'));
    if (!token) {
      if (isPublic) return true;
      throw new MissingApiKeyError();
    }
    request.user = await this.users.authenticate(token);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(request.user.role) && request.user.role !== 'admin') {
      throw new RoleRequiredError(roles);
    }
    return true;
  }
}
