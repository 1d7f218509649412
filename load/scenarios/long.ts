import { chatLikeScenario } from './chat';

export const longScenario = chatLikeScenario({
  name: 'long',
  summary: 'long conversations: 20 turns, 300 ms think time (the prompt and the history read grow)',
  // A conversation sends its 20 turns within about 15 s, all to one user: sized for half the chat-send limit, users
  // who happen to hold two conversations stay under it (at the full limit a recorded run had 84 turns refused).
  preset: ['--turns', '20', '--think-ms', '300', '--per-user-limit', '15'],
  about:
    'Each conversation sends 20 messages a short think time apart, so every turn carries a longer history: the\n' +
    'prompt and the history the platform reads grow. The report\'s "latency by turn" chart shows what that costs.',
});
