import type { Role } from '@app/database';

/** Who is calling, as the auth guard resolved it from the API key. */
export interface AuthUser {
  id: string;
  handle: string;
  role: Role;
  apiKeyId: string;
  /** A private-chat session (docs/privacy.md): made by redeeming a Privacy Pass token, linked to no account. */
  anonymous?: true;
}
