import type { PersonaContent } from './persona-content';
import type { PersonaRow, PersonaWithCurrent } from './personas.repository';

export interface PersonaView extends PersonaContent {
  id: string;
  slug: string;
  version: number;
  versionHash: string;
  ownerId: string;
  ownerHandle: string;
  /** Operational, not versioned: replies need this many independent operators serving the model. */
  minOperators: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface PersonaSummary {
  id: string;
  slug: string;
  name: string;
  description: string;
  tags: string[];
  version: number;
  visibility: string;
  modelId: string;
  verification: string;
  minOperators: number;
  ownerId: string;
  ownerHandle: string;
  createdAt: Date;
  updatedAt: Date;
}

export function currentContent(persona: PersonaWithCurrent): {
  version: number;
  hash: string;
  content: PersonaContent;
} {
  const [current] = persona.versions;
  if (!current) throw new Error(`persona ${persona.id} has no version`);
  return {
    version: current.version,
    hash: current.hash,
    content: current.content as unknown as PersonaContent,
  };
}

export function toPersonaView(persona: PersonaWithCurrent): PersonaView {
  const { version, hash, content } = currentContent(persona);
  return {
    id: persona.id,
    slug: persona.slug,
    version,
    versionHash: hash,
    ownerId: persona.ownerId,
    ownerHandle: persona.owner.handle,
    ...content,
    minOperators: persona.minOperators,
    createdAt: persona.createdAt,
    updatedAt: persona.updatedAt,
  };
}

export function toPersonaSummary(row: PersonaRow): PersonaSummary {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    tags: row.tags,
    version: row.currentVersion,
    visibility: row.visibility,
    modelId: row.modelId,
    verification: row.verification,
    minOperators: row.minOperators,
    ownerId: row.ownerId,
    ownerHandle: row.ownerHandle,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
