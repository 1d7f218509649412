// Runs in each jest worker before its test files: jest numbers workers from 1, and each anchors with its own
// authorized dev account (see libs/testing/src/test-chain.ts), so parallel files never race for nonces.
import { DEV_ACCOUNTS } from '@app/settlement/dev-accounts';

const account = DEV_ACCOUNTS[Number(process.env.JEST_WORKER_ID ?? '1')];
if (!account) throw new Error(`No dev account for jest worker ${process.env.JEST_WORKER_ID}.`);
process.env.CHAIN_PRIVATE_KEY = account.privateKey;
// Spot checks re-run replies on other nodes from the worker: a file that wants them sets SPOT_CHECK_RATE itself, so
// no file's worker re-runs another file's replies on its nodes (extra load, and flakes).
process.env.SPOT_CHECK_RATE ??= '0';
