import type { AuthUser } from '@app/auth';
import { completeCard, PersonaContent } from '@app/personas';
import { randomBytes, randomUUID } from 'node:crypto';

function suffix(): string {
  return randomBytes(4).toString('hex');
}

/** Builders for test data with sensible defaults; pass only what a test is about. */
export const factory = {
  authUser(overrides: Partial<AuthUser> = {}): AuthUser {
    return {
      id: randomUUID(),
      handle: `user-${suffix()}`,
      role: 'creator',
      apiKeyId: randomUUID(),
      ...overrides,
    };
  },

  personaContent(overrides: Partial<PersonaContent> = {}): PersonaContent {
    return {
      ...completeCard({ name: overrides.name ?? `Persona ${suffix()}` }),
      visibility: 'public',
      modelId: 'embedded',
      verification: 'none',
      ...overrides,
    };
  },
};
