// Real-time chat over socket.io: sends one message to a conversation, prints the reply as it streams, then each
// step of its verification (proof:update) until the receipt is anchored on chain.
//   TWINPROOF_URL=http://localhost:3000 TWINPROOF_KEY=tp_... node examples/chat-socket.mjs <conversation-id> [message]
import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';

const url = process.env.TWINPROOF_URL ?? 'http://localhost:3000';
const key = process.env.TWINPROOF_KEY;
const [conversationId, content = 'Tell me about the engine.'] = process.argv.slice(2);
if (!key || !conversationId) {
  console.error('Usage: TWINPROOF_KEY=<api key> node examples/chat-socket.mjs <conversation-id> [message]');
  process.exit(2);
}

const socket = io(`${url}/chat`, { auth: { token: key }, transports: ['websocket'] });
const fail = (why) => {
  console.error(why);
  socket.close();
  process.exit(1);
};
let inferenceId;
let zkDone = false;
let anchored = false;
const finishWhenProven = async () => {
  if (!anchored) return;
  // A zk persona's proof may land before or after the anchor: wait for both, and only for the anchor otherwise.
  if (!zkDone) {
    const response = await fetch(`${url}/v1/inferences/${inferenceId}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const inference = await response.json();
    if (inference.verification === 'zk' && (!inference.zk || inference.zk.status === 'pending')) return;
  }
  socket.close();
  process.exit(0);
};

socket.on('connect_error', (error) => fail(`Could not connect: ${error.data?.code ?? ''} ${error.message}`));
// Events of this conversation only (a socket may be in several): tokens come in order, seq from 0.
socket.on('message:token', (event) => {
  if (event.conversationId === conversationId) process.stdout.write(event.delta);
});
socket.on('message:done', (event) => {
  if (event.conversationId !== conversationId) return;
  inferenceId = event.inferenceId;
  console.log(`\n[done] inference ${event.inferenceId}, ${event.usage.completionTokens} tokens`);
});
socket.on('message:error', (event) => {
  if (event.conversationId === conversationId) fail(`[error] ${event.error.code}: ${event.error.message}`);
});
socket.on('proof:update', (event) => {
  if (event.inferenceId !== inferenceId) return;
  const extra = event.batch ? ` (root ${event.batch.root}, block ${event.batch.blockNumber})` : '';
  console.log(`[proof] ${event.status}${extra}${event.zk ? ` zk ${event.zk.status}` : ''}`);
  if (event.status === 'failed') fail(`[proof] failed: ${event.error ?? 'no reason given'}`);
  if (event.status === 'anchored') anchored = true;
  if (event.zk) zkDone = true;
  finishWhenProven().catch((error) => fail(`Could not read the inference: ${error.message}`));
});

socket.on('connect', () => {
  socket.emit('message:send', { conversationId, content, clientMessageId: randomUUID() }, (ack) => {
    if (!ack.ok) fail(`[send refused] ${ack.error.code}: ${ack.error.message}`);
  });
});
