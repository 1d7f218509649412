// `npm run verify -- <bundle.json | conversation.jsonl | inference-id> [options]`: checks a reply (or a whole
// exported conversation) offline, trusting nothing the platform says: signature, attestation, content hashes,
// a taken-over reply's prefix, Merkle inclusion, the root on chain, the zk proof and, for an export, the receipts'
// hash chain. The logic is in verify-cli.ts, where tests run it with argv.
import { runVerify } from './verify-cli';

runVerify(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
