// Serves an in-memory PGlite, with pgvector, over the PostgreSQL wire protocol on a free local port, so that
// tests reach it through the app's own driver (PrismaPg, pg) exactly as they reach a real server. A separate
// process because PGlite loads its WebAssembly with dynamic import(), which jest's module sandbox refuses.
// Prints one JSON line, {"port": n}, once it accepts connections; stops on SIGTERM, SIGINT or stdin closing.
const { PGlite } = require('@electric-sql/pglite');
const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm');
const { vector } = require('@electric-sql/pglite/vector');
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');

async function main() {
  // pg_trgm: the migrations create it.
  const db = await PGlite.create({ extensions: { vector, pg_trgm } });
  // PGlite runs one statement at a time; the server queues them and keeps a transaction to its connection.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 64 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  process.stdout.write(`${JSON.stringify({ port })}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    await db.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The parent's end of stdin closes when it exits, even when killed: the server never outlives its test run.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
