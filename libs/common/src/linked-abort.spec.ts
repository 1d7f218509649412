import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { linkedAbort } from './linked-abort';

describe('linkedAbort', () => {
  it('aborts with its source after collections, aborts at once for an aborted source, and stops after release', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const source = new AbortController();
    const { controller } = linkedAbort(source.signal);
    gc();
    gc();
    source.abort('stop');
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBe('stop');

    const done = new AbortController();
    done.abort();
    expect(linkedAbort(done.signal).controller.signal.aborted).toBe(true);

    const later = new AbortController();
    const released = linkedAbort(later.signal);
    released.release();
    later.abort();
    expect(released.controller.signal.aborted).toBe(false);
  });
});
