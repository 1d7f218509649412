import { dispatch } from './dispatch';
import { SCENARIOS } from './scenarios';

// `npm run load -- --scenario NAME [options] --out DIR` (load/dispatch.ts). Progress on stderr, the Markdown report
// on stdout; 0 ran, 1 setup failed, 2 bad options.

dispatch(process.argv.slice(2), process.env, SCENARIOS, {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
})
  // Exit explicitly: keep-alive HTTP connections and sockets would otherwise hold the process open a while.
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
