// `npm run private-chat -- --relay <url> --persona <slug> [options]`: chats through Oblivious HTTP, so the relay sees
// who but not what and the gateway (inside an attested node) what but not who; each reply is shown only after its
// signed receipt verified. The logic is in private-chat-cli.ts, where tests run it with argv.
import { runPrivateChat } from './private-chat-cli';

runPrivateChat(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(3);
  },
);
