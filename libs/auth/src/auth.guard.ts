import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Response } from 'express';
import type { Role } from '@app/database';
import {
  MissingApiKeyError,
  PrivateSessionKeyError,
  PrivateTokenNotAcceptedError,
  RoleRequiredError,
} from './auth.errors';
import { AuthenticatedRequest, IS_PUBLIC, ROLES } from './decorators';
import {
  ACCEPTS_PRIVATE_TOKEN,
  isPrivateToken,
  PRIVATE_SESSION_KEY_HEADER,
  PRIVATE_SESSION_ROUTE,
  PRIVATE_SESSIONS,
  type PrivateSessions,
} from './private-sessions';
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
    private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) ?? false;
    const authorization = request.header('authorization');
    if (isPrivateToken(authorization)) {
      await this.openPrivateSession(context, authorization, targets);
      return true;
    }
    const token = bearerToken(authorization);
    if (!token) {
      if (isPublic) return true;
      throw new MissingApiKeyError();
    }
    request.user = await this.users.authenticate(token);
    if (
      request.user.anonymous &&
      !this.reflector.getAllAndOverride<boolean | undefined>(PRIVATE_SESSION_ROUTE, targets)
    )
      throw new PrivateSessionKeyError();
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(request.user.role) && request.user.role !== 'admin') {
      throw new RoleRequiredError(roles);
    }
    return true;
  }

  /** Redeems a Privacy Pass token and makes the caller a new private session, whose key only the client will read. */
  private async openPrivateSession(
    context: ExecutionContext,
    authorization: string,
    targets: Parameters<Reflector['getAllAndOverride']>[1],
  ): Promise<void> {
    const accepted = this.reflector.getAllAndOverride<boolean | undefined>(ACCEPTS_PRIVATE_TOKEN, targets);
    // Resolved per call: the privacy library depends on this one, so it cannot be injected (and may be absent).
    const sessions = accepted ? this.privateSessions() : undefined;
    if (!sessions) throw new PrivateTokenNotAcceptedError();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    await sessions.redeem(authorization, (name) => request.header(name));
    const { user, apiKey } = await this.users.openPrivateSession();
    request.user = user;
    context.switchToHttp().getResponse<Response>().setHeader(PRIVATE_SESSION_KEY_HEADER, apiKey);
  }

  private privateSessions(): PrivateSessions | undefined {
    try {
      return this.moduleRef.get<PrivateSessions>(PRIVATE_SESSIONS, { strict: false });
    } catch {
      return undefined;
    }
  }
}
