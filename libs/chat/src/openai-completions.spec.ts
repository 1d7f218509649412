import { Test } from '@nestjs/testing';
import type { AuthUser } from '@app/auth';
import { ErrorCode, renderError } from '@app/common';
import type { DoneEvent } from '@app/realtime';
import { randomUUID } from 'node:crypto';
import { ChatService } from './chat.service';
import type { SendInput } from './send.types';
import { OpenAiCompletions, StartedCompletion } from './openai-completions';
import { CompletionRequest } from './openai-request';

/** ChatService as the endpoint sees it: send hands back ids at once, and the test plays the reply's events. */
class FakeChat {
  input?: SendInput;
  cancelled: string[] = [];
  private end!: () => void;
  readonly assistantMessageId = randomUUID();

  async send(_user: AuthUser, input: SendInput) {
    this.input = input;
    return {
      conversationId: 'conversation-1',
      userMessageId: randomUUID(),
      assistantMessageId: this.assistantMessageId,
      inferenceId: 'inference-1',
      reply: new Promise<void>((resolve) => (this.end = resolve)),
    };
  }

  async cancel(_user: AuthUser, messageId: string): Promise<boolean> {
    this.cancelled.push(messageId);
    return true;
  }

  token(delta: string): void {
    this.input?.listener?.token({ conversationId: 'conversation-1', messageId: 'm', seq: 0, delta });
  }

  finish(content: string): void {
    const done: DoneEvent = {
      conversationId: 'conversation-1',
      messageId: this.assistantMessageId,
      content,
      inferenceId: 'inference-1',
      usage: { promptTokens: 3, completionTokens: 2 },
      timings: { ttftMs: 1, totalMs: 2 },
    };
    this.input?.listener?.done(done, 'stop');
    this.end();
  }

  fail(code: string, message: string): void {
    this.input?.listener?.error({
      conversationId: 'conversation-1',
      messageId: 'm',
      error: { code, message },
    });
    this.end();
  }

  endSilently(): void {
    this.end();
  }
}

const user = { id: 'user-1' } as AuthUser;
const request = (stream: boolean): CompletionRequest => ({
  model: 'persona-slug',
  content: 'Hello',
  generation: { history: [] },
  stream,
});

describe('OpenAiCompletions', () => {
  let chat: FakeChat;
  let completions: OpenAiCompletions;
  beforeEach(async () => {
    chat = new FakeChat();
    const module = await Test.createTestingModule({
      providers: [OpenAiCompletions, { provide: ChatService, useValue: chat }],
    }).compile();
    completions = module.get(OpenAiCompletions);
  });

  const statusOf = async (completion: StartedCompletion): Promise<{ status: number; code: string }> => {
    const rendered = renderError(await completion.finished().catch((error: unknown) => error));
    return { status: rendered.status, code: rendered.body.error.code };
  };

  it.each([
    [ErrorCode.CANCELLED, 409],
    [ErrorCode.MODEL_FAILED, 502],
    [ErrorCode.SERVER_STOPPING, 503],
  ])(
    'answers a reply that ended with %s with the status of the one error table (%i)',
    async (code, status) => {
      const completion = await completions.start(user, request(false), undefined);
      chat.fail(code, 'It stopped.');
      expect(await statusOf(completion)).toEqual({ status, code });
    },
  );

  it('answers a reply that ended with neither done nor error as MODEL_FAILED (502)', async () => {
    const completion = await completions.start(user, request(false), undefined);
    chat.endSilently();
    expect(await statusOf(completion)).toEqual({ status: 502, code: ErrorCode.MODEL_FAILED });
  });

  it('holds the pieces streamed before the caller can write them, then passes each on as it comes', async () => {
    const completion = await completions.start(user, request(true), undefined);
    chat.token('Hel');
    chat.token('lo');
    const written: string[] = [];
    completion.stream((delta) => written.push(delta));
    chat.token('!');
    chat.finish('Hello!');
    expect((await completion.finished()).done.content).toBe('Hello!');
    expect(written).toEqual(['Hel', 'lo', '!']);
  });

  it('starts the conversation from the persona, or continues the named one without the client copy of its history', async () => {
    await completions.start(user, request(false), undefined);
    expect(chat.input).toMatchObject({ startWithPersona: 'persona-slug', content: 'Hello' });
    await completions.start(user, request(false), 'conversation-9');
    expect(chat.input).toMatchObject({
      conversationId: 'conversation-9',
      generation: { history: undefined },
    });
  });

  it('cancels the reply when the client goes away before it finished, and not after', async () => {
    const completion = await completions.start(user, request(true), undefined);
    completion.abandon();
    expect(chat.cancelled).toEqual([chat.assistantMessageId]);
    chat.finish('Done.');
    await completion.finished();
    completion.abandon();
    expect(chat.cancelled).toHaveLength(1);
  });
});
