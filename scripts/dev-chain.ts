// `npm run build && node dist/scripts/dev-chain.js [--port 8545] [--host 127.0.0.1]`: a local chain for development.
// Starts Hardhat's EDR network in this process, deploys ReceiptAnchor from account #0 (on a fresh chain that is
// always 0x5FbDB2315678afecb367f032d93F642f64180aa3), prints one JSON line
// {"rpcUrl","chainId","anchorContract","deployer"} on stdout and serves until SIGTERM or SIGINT.
// The chain is in memory: stopping it forgets every block, the contract and every anchored root.
import { AnchorClient, startDevChain } from '@app/settlement';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

const USAGE = `Usage: node dist/scripts/dev-chain.js [--port 8545] [--host 127.0.0.1]
A local in-memory EVM chain with ReceiptAnchor deployed; prints {"rpcUrl","chainId","anchorContract","deployer"}.
--port 0 picks a free port. Point the platform at it with CHAIN_RPC_URL (and CHAIN_PUBLIC_RPC_URL).
`;

const KNOWN = new Set(['--port', '--host']);

async function main(): Promise<void> {
  // Anything it does not know (a typo, --help) prints the usage instead of starting a chain on the shared default port.
  const args = process.argv.slice(2);
  // A flag without its value (a bare --port) would fall back to the default port: refuse it too.
  const unknown = args.filter(
    (arg, i) =>
      (arg.startsWith('-') && !KNOWN.has(arg)) ||
      (KNOWN.has(arg) && (args[i + 1] === undefined || args[i + 1]?.startsWith('-'))),
  );
  if (unknown.length > 0) {
    process.stderr.write(USAGE);
    process.exit(unknown.every((arg) => arg === '--help' || arg === '-h') ? 0 : 2);
  }
  const port = Number(option('port', '8545'));
  const host = option('host', '127.0.0.1');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`Invalid --port ${option('port', '')}`);

  const started = performance.now();
  const chain = await startDevChain({ port, host });
  const chainMs = performance.now() - started;
  const anchor = await AnchorClient.deploy({ rpcUrl: chain.rpcUrl, privateKey: chain.accounts[0] });
  anchor.close();

  // stdout carries only the JSON line, so a parent process can read it; the rest goes to stderr.
  console.log(
    JSON.stringify({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      anchorContract: anchor.contractAddress,
      deployer: anchor.signerAddress,
    }),
  );
  console.error(
    `Dev chain up in ${Math.round(chainMs)} ms (ReceiptAnchor deployed after ${Math.round(performance.now() - started)} ms). ` +
      'It is in memory only: everything on it is lost when this process stops.',
  );

  const shutdown = (signal: string) => {
    console.error(`${signal}: stopping the dev chain`);
    chain.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Could not stop cleanly: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const hint = /EADDRINUSE/.test(message) ? ' (is another chain already on that port? try --port 0)' : '';
  console.error(`Dev chain failed: ${message}${hint}`);
  process.exit(1);
});
