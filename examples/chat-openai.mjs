// The official `openai` client against Twinproof's OpenAI-compatible endpoint: the persona's slug is the model.
// A stateless chat app sends the whole history each time; the reply sees it. Then the same, streamed.
//   TWINPROOF_URL=http://localhost:3000 TWINPROOF_KEY=tp_... node examples/chat-openai.mjs [persona-slug]
import OpenAI from 'openai';

const url = process.env.TWINPROOF_URL ?? 'http://localhost:3000';
const apiKey = process.env.TWINPROOF_KEY;
const model = process.argv[2] ?? 'ada';
if (!apiKey) {
  console.error('Usage: TWINPROOF_KEY=<api key> node examples/chat-openai.mjs [persona-slug]');
  process.exit(2);
}
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey });

const history = [
  { role: 'user', content: 'My cat is called Tomasino.' },
  { role: 'assistant', content: 'What a fine name for a cat!' },
  { role: 'user', content: 'What is my cat called?' },
];
const completion = await client.chat.completions.create({ model, messages: history, max_tokens: 60 });
console.log(`${completion.choices[0].message.content}`);
console.log(`[${completion.choices[0].finish_reason}] inference ${completion.inference_id}`);

const stream = await client.chat.completions.create({
  model,
  stream: true,
  messages: [{ role: 'user', content: 'Tell me about the engine.' }],
});
let inferenceId;
for await (const chunk of stream) {
  process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
  inferenceId ??= chunk.inference_id;
}
console.log(`\n[streamed] inference ${inferenceId}`);
