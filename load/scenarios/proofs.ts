import { chatLikeScenario } from './chat';

export const proofsScenario = chatLikeScenario({
  name: 'proofs',
  summary: 'chat with proofs on: an attested persona, reply done → anchored lag',
  preset: ['--verification', 'attested', '--proofs'],
  about:
    'Chat with a persona that asks for attested verification, and every proof:update timed: the report adds\n' +
    'reply done → first update of each status, "anchored" included. A --persona of your own must ask for\n' +
    'attested or zk verification, or no proof:update comes.',
});
