import { chatLikeScenario } from './chat';

export const longScenario = chatLikeScenario({
  name: 'long',
  summary: 'long conversations: 20 turns, 300 ms think time (the prompt and the history read grow)',
  preset: ['--turns', '20', '--think-ms', '300'],
  about:
    'Each conversation sends 20 messages a short think time apart, so every turn carries a longer history: the\n' +
    'prompt and the history the platform reads grow. The report\'s "latency by turn" chart shows what that costs.',
});
