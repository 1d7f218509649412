import { assignLogContext, runInLogContext } from './log-context';
import { createRootLogger } from './root-logger';
import { LogCapture } from './testing/log-capture';

describe('createRootLogger', () => {
  it('writes JSON lines with a level name, at the configured level and above', () => {
    const capture = new LogCapture();
    const logger = createRootLogger({ format: 'json', level: 'log' }, capture);
    logger.debug('hidden');
    logger.info('shown');
    logger.warn('also shown');
    expect(capture.lines.map((line) => [line.level, line.msg])).toEqual([
      ['info', 'shown'],
      ['warn', 'also shown'],
    ]);
    expect(typeof capture.lines[0].time).toBe('number');
  });

  it('puts the ids of the context on every line logged in it, and only there', async () => {
    const capture = new LogCapture();
    const logger = createRootLogger({ format: 'json', level: 'debug' }, capture);
    logger.info('before');
    await runInLogContext({ requestId: 'r-1' }, async () => {
      logger.info('received');
      assignLogContext({ messageId: 'm-1' });
      await Promise.resolve();
      logger.info({ messageId: 'its own' }, 'stored');
      logger.debug('later');
    });
    assignLogContext({ messageId: 'nowhere' });
    logger.info('after');
    const ids = capture.lines.map(({ msg, requestId, messageId }) => ({ msg, requestId, messageId }));
    expect(ids).toEqual([
      { msg: 'before', requestId: undefined, messageId: undefined },
      { msg: 'received', requestId: 'r-1', messageId: undefined },
      { msg: 'stored', requestId: 'r-1', messageId: 'its own' },
      { msg: 'later', requestId: 'r-1', messageId: 'm-1' },
      { msg: 'after', requestId: undefined, messageId: undefined },
    ]);
  });

  it('redacts an authorization header or API key logged by mistake', () => {
    const capture = new LogCapture();
    const logger = createRootLogger({ format: 'json', level: 'log' }, capture);
    logger.info({ headers: { authorization: 'Bearer tp_secret' }, apiKey: 'tp_secret' }, 'oops');
    expect(JSON.stringify(capture.lines)).not.toContain('tp_secret');
  });

  it('maps Nest levels: verbose is trace', () => {
    const logger = createRootLogger({ format: 'json', level: 'verbose' }, new LogCapture());
    expect(logger.level).toBe('trace');
  });
});
