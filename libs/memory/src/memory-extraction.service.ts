import { Injectable, Logger } from '@nestjs/common';
import type { Memory } from '@app/database';
import { extractFacts, factKey, sameFact } from './fact-extraction';
import { MemoryExtractionRepository } from './memory-extraction.repository';

/** The memory job's work: remember what a consumer said about themselves, once, replacing what it contradicts. */
@Injectable()
export class MemoryExtractionService {
  private readonly logger = new Logger(MemoryExtractionService.name);

  constructor(private readonly repository: MemoryExtractionRepository) {}

  async extractFromMessage(messageId: string): Promise<Memory[]> {
    const source = await this.repository.findSource(messageId);
    // Only the consumer's own words: the persona's replies (which may repeat recalled memories) are never mined.
    if (!source || source.message.role !== 'user') return [];
    if (await this.repository.alreadyExtracted(messageId)) return [];
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
    const stored = await this.repository.store(source, fresh);
    if (stored.length > 0) this.logger.log(`Stored ${stored.length} memories from message ${messageId}`);
    return stored;
  }
}
