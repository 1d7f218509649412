import { DomainError, ErrorCode } from '@app/common';
import { parseCompletionRequest } from './openai-request';

const user = (content: string) => ({ role: 'user', content });
const assistant = (content: string) => ({ role: 'assistant', content });

function refusal(body: Record<string, unknown>): DomainError {
  try {
    parseCompletionRequest({ model: 'ada', messages: [user('hi')], ...body });
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('parseCompletionRequest', () => {
  it('splits the messages into earlier turns, the new turn and the client system text', () => {
    const request = parseCompletionRequest({
      model: 'ada',
      messages: [
        { role: 'system', content: 'Be brief.' },
        user('My cat is called Tomasino.'),
        assistant('Nice.'),
        { role: 'developer', content: [{ type: 'text', text: 'No emoji.' }] },
        user('What is my cat called?'),
      ],
    });
    expect(request.content).toBe('What is my cat called?');
    expect(request.generation).toMatchObject({
      history: [
        { role: 'user', content: 'My cat is called Tomasino.' },
        { role: 'assistant', content: 'Nice.' },
      ],
      instructions: 'Be brief.\n\nNo emoji.',
    });
  });

  it('takes the smaller of max_tokens and max_completion_tokens, and stop as a string or a list', () => {
    expect(
      parseCompletionRequest({
        model: 'ada',
        messages: [user('hi')],
        max_tokens: 9,
        max_completion_tokens: 4,
        stop: '\n',
      }).generation,
    ).toMatchObject({ maxTokens: 4, stop: ['\n'] });
  });

  it.each([
    [{ messages: [user('hi'), assistant('prefill')] }, 'messages'],
    [{ messages: [user('hi'), { role: 'tool', content: '42', tool_call_id: 't' }] }, 'messages[1]'],
    [
      { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 't' }] }, user('hi')] },
      'messages[0]',
    ],
    [{ messages: [{ role: 'narrator', content: 'x' }, user('hi')] }, 'messages[0].role'],
    [{ max_tokens: 0 }, 'max_tokens'],
    [{ max_completion_tokens: 1.5 }, 'max_completion_tokens'],
    [{ stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    [{ stop: [''] }, 'stop'],
    [{ n: 2 }, 'n'],
    [{ tools: [{ type: 'function' }] }, 'tools'],
    [{ response_format: { type: 'json_schema' } }, 'response_format'],
    [{ top_logprobs: 3 }, 'top_logprobs'],
    [{ audio: { voice: 'alloy' } }, 'audio'],
    [{ top_p: 2 }, 'top_p'],
    [{ seed: 1.5 }, 'seed'],
  ])('refuses %j naming %s', (body, param) => {
    const error = refusal(body);
    expect(error.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(error.details).toEqual({ param });
    expect(error.message).toContain(param);
  });

  it('answers an oversized earlier turn or system text with 413, not a silent cut', () => {
    const long = 'x'.repeat(8_001);
    expect(refusal({ messages: [user(long), assistant('ok'), user('hi')] }).code).toBe(
      ErrorCode.PAYLOAD_TOO_LARGE,
    );
    expect(refusal({ messages: [{ role: 'system', content: long }, user('hi')] }).code).toBe(
      ErrorCode.PAYLOAD_TOO_LARGE,
    );
  });
});
