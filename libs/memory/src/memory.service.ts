import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@app/auth';
import type { Memory } from '@app/database';
import { PersonasService } from '@app/personas';
import { embeddingRows } from './embedding/embedding-rows';
import { VectorSupport } from './embedding/vector-support';
import { MemoryNotFoundError } from './memory.errors';
import { MemoryRepository } from './memory.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface MemoryView {
  id: string;
  personaId: string;
  kind: Memory['kind'];
  content: string;
  importance: number;
  sourceMessageId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

@Injectable()
export class MemoryService {
  constructor(
    private readonly memories: MemoryRepository,
    private readonly personas: PersonasService,
    private readonly vectors: VectorSupport,
  ) {}

  async list(caller: AuthUser, personaIdOrSlug: string): Promise<MemoryView[]> {
    const persona = await this.personas
      .findReadable(caller, personaIdOrSlug)
      .catch(async (error: unknown) => {
        // A persona made private or deleted is gone for the caller, but what it learnt about the caller is the
        // caller's own: still listed by the persona's id. Ids with no memory of the caller stay "not found".
        const own = UUID.test(personaIdOrSlug)
          ? await this.memories.listForUser(personaIdOrSlug, caller.id)
          : [];
        if (own.length === 0) throw error;
        return { id: personaIdOrSlug };
      });
    return (await this.memories.listForUser(persona.id, caller.id)).map(toView);
  }

  /** Another user's memory is "not found", never "forbidden": ids of others' memories must not be probeable. */
  async update(
    caller: AuthUser,
    id: string,
    patch: { content?: string; importance?: number },
  ): Promise<MemoryView> {
    const memory = await this.memories.findOwned(id, caller.id);
    if (!memory || memory.supersededById) throw new MemoryNotFoundError(id);
    const made = patch.content === undefined ? null : await this.vectors.embedForStorage([patch.content]);
    return toView(await this.memories.update(id, patch, made ? embeddingRows([memory], made) : []));
  }

  async forget(caller: AuthUser, id: string): Promise<void> {
    const deleted = await this.memories.deleteWithHistory(id, caller.id);
    if (deleted === 0) throw new MemoryNotFoundError(id);
  }
}

export function toView(memory: Memory): MemoryView {
  return {
    id: memory.id,
    personaId: memory.personaId,
    kind: memory.kind,
    content: memory.content,
    importance: memory.importance,
    sourceMessageId: memory.sourceMessageId,
    createdAt: memory.createdAt,
    updatedAt: memory.updatedAt,
  };
}
