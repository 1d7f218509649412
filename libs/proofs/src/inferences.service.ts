import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@app/auth';
import { DomainError, ErrorCode, NotFoundError } from '@app/common';
import { AppConfig } from '@app/config';
import { ConversationNotFoundError } from '@app/conversations';
import type { ProofBundle } from '@app/receipts';
import { AnchorClientProvider } from './anchor-client.provider';
import { InferenceView, toBundle, toInferenceView } from './inference-view';
import { InferencesRepository } from './inferences.repository';

export interface ChainView {
  chainId: number;
  rpcUrl: string;
  anchorContract: string;
}

@Injectable()
export class InferencesService {
  private chainId?: number;

  constructor(
    private readonly config: AppConfig,
    private readonly inferences: InferencesRepository,
    private readonly chain: AnchorClientProvider,
  ) {}

  async get(user: AuthUser, id: string): Promise<InferenceView> {
    const row = await this.inferences.findDetail(id);
    if (!row) throw new NotFoundError('Inference', id);
    return toInferenceView(row, row.conversation.userId === user.id);
  }

  async bundle(user: AuthUser, id: string): Promise<ProofBundle> {
    const row = await this.inferences.findDetail(id);
    const bundle = row && toBundle(row, row.conversation.userId === user.id);
    if (!bundle) throw new NotFoundError('Inference', id);
    return bundle;
  }

  /** JSON Lines for auditors: a header, then each message and its bundle; previousDigest links expose removed turns. */
  async *audit(user: AuthUser, conversationId: string): AsyncGenerator<string> {
    const found = await this.inferences.findConversationForAudit(conversationId, user.id);
    if (!found) throw new ConversationNotFoundError(conversationId);
    const { conversation, messages } = found;
    yield JSON.stringify({
      type: 'conversation',
      id: conversation.id,
      personaId: conversation.personaId,
      personaVersion: conversation.personaVersion.version,
      personaVersionHash: conversation.personaVersion.hash,
      exportedAt: new Date().toISOString(),
      chain: await this.chainView().catch(() => null),
    });
    for (const message of messages) {
      const { inference, ...rest } = message;
      yield JSON.stringify({
        type: 'message',
        id: rest.id,
        role: rest.role,
        status: rest.status,
        content: rest.content,
        createdAt: rest.createdAt.toISOString(),
        inferenceId: inference?.id ?? null,
        bundle: inference ? toBundle({ ...inference, message: { content: rest.content } }, true) : null,
      });
    }
  }

  async chainView(): Promise<ChainView> {
    const client = this.chain.get();
    const chainId = this.chainId ?? (await this.fetchChainId());
    return { chainId, rpcUrl: this.config.chain.publicRpcUrl, anchorContract: client.contractAddress };
  }

  private async fetchChainId(): Promise<number> {
    try {
      this.chainId = await this.chain.get().chainId();
      return this.chainId;
    } catch {
      throw new DomainError(
        ErrorCode.CHAIN_UNAVAILABLE,
        'The chain is not reachable right now; try again later.',
      );
    }
  }
}
