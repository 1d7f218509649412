import type { Role } from '@app/database';

/** Who is calling, as the auth guard resolved it from the API key. */
export interface AuthUser {
  id: string;
  handle: string;
  role: Role;
  apiKeyId: string;
}
