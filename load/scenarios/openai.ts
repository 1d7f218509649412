import { chatLikeScenario } from './chat';

export const openaiScenario = chatLikeScenario({
  name: 'openai',
  summary: 'the same open-model chat over POST /v1/chat/completions (stream: true)',
  preset: ['--target', 'openai'],
  about:
    "The OpenAI-compatible endpoint with SSE streaming, as the openai package's clients use it. The endpoint\n" +
    "reports no model TTFT, so the report's model/platform split covers only first → last token.",
});
