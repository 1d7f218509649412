import { Injectable, Logger } from '@nestjs/common';
import { ConversationsRepository } from '@app/conversations';
import type { Memory } from '@app/database';
import { VectorSupport } from './embedding/vector-support';
import { extractFacts, factKey, sameFact } from './fact-extraction';
import { MemoryExtractionRepository, SourceMessage } from './memory-extraction.repository';
import { foldIntoSummary } from './rolling-summary';

/** Turns the prompt keeps verbatim; older ones are folded into the summary. Matches the chat's history window. */
export const RECENT_TURNS_KEPT = 40;

@Injectable()
export class MemoryExtractionService {
  private readonly logger = new Logger(MemoryExtractionService.name);

  constructor(
    private readonly repository: MemoryExtractionRepository,
    private readonly conversations: ConversationsRepository,
    private readonly vectors: VectorSupport,
  ) {}

  async extractFromMessage(messageId: string): Promise<Memory[]> {
    const source = await this.repository.findSource(messageId);
    // Only the consumer's own words: the persona's replies (which may repeat recalled memories) are never mined.
    if (!source || source.message.role !== 'user') return [];
    // One job per message carries both pieces of after-turn work (each job costs dozens of Redis commands).
    await this.updateSummary(source);
    if (source.extracted) return [];
    const facts = extractFacts(source.message.content);
    if (facts.length === 0) return [];
    const live = await this.repository.liveFacts(source.personaId, source.userId);
    const fresh = facts
      .filter((fact) => !live.some((memory) => sameFact(memory.content, fact.content)))
      .map((fact) => ({
        ...fact,
        supersedes:
          fact.key === null
            ? []
            : live.filter((memory) => factKey(memory.content) === fact.key).map((m) => m.id),
      }));
    // Made before the transaction, which should not wait on an embedder (a remote one is a network call).
    const vectors = await this.vectors.embedForStorage(fresh.map((fact) => fact.content));
    const stored = await this.repository.store(source, fresh, vectors);
    if (stored.length > 0) this.logger.log(`Stored ${stored.length} memories from message ${messageId}`);
    return stored;
  }

  private async updateSummary(source: SourceMessage): Promise<void> {
    const messages = await this.repository.unsummarised(source, RECENT_TURNS_KEPT);
    const last = messages.at(-1);
    if (!last) return;
    const said = messages.filter((m) => m.role === 'user').map((m) => m.content);
    await this.conversations.saveSummary(
      source.message.conversationId,
      foldIntoSummary(source.summary, said),
      last.id,
    );
  }
}
