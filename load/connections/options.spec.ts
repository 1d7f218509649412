import { UsageError } from '../args';
import { parseIdleArgs, retainedMemoryWarning } from '../scenarios/idle';
import { parseReconnectArgs } from '../scenarios/reconnect';
import { fdShortfall } from './limits';
import { connectErrorCode, keysForConnections } from './open-sockets';

const env = { PORT: '3602' };

describe('connection scenario options', () => {
  it('idle: 10,000 connections at 500/s held 60 s, 50 per user, at the api the environment names', () => {
    const options = parseIdleArgs([], env);
    expect(options).toMatchObject({ connections: 10_000, rampPerS: 500, holdS: 60, perUser: 50 });
    expect(options.load.url).toBe('http://localhost:3602');
  });

  it('idle: takes its own options and the shared setup ones', () => {
    const options = parseIdleArgs(
      [
        '--connections',
        '20',
        '--ramp-per-s=50',
        '--hold-s',
        '0',
        '--keys-file',
        'k.json',
        '--url',
        'http://h:1',
      ],
      env,
    );
    expect(options).toMatchObject({ connections: 20, rampPerS: 50, holdS: 0 });
    expect(options.load).toMatchObject({ keysFile: 'k.json', url: 'http://h:1' });
  });

  it.each([
    [['--connections', '0'], /--connections must be an integer from 1/],
    [['--connections', '1.5'], /--connections must be an integer/],
    [['--ramp-per-s', 'fast'], /--ramp-per-s must be a number/],
    [['--rate', '10'], /Unknown option --rate/],
    [['--hold-s'], /--hold-s needs a value/],
    [['20'], /Unexpected argument "20"/],
  ])('idle: refuses %j', (argv, message) => {
    expect(() => parseIdleArgs(argv, env)).toThrow(message);
  });

  it('--help is a UsageError with no message (the usage is printed)', () => {
    expect(() => parseIdleArgs(['--help'], env)).toThrow(new UsageError(''));
  });

  it('reconnect: 1,000 users with replies streaming from a slow embedded model unless told otherwise', () => {
    expect(parseReconnectArgs([], env)).toMatchObject({ users: 1000, mode: 'streaming', timeoutMs: 60_000 });
    expect(parseReconnectArgs([], env).load.modelId).toBe('embedded:ttft=200,tps=1');
    const idle = parseReconnectArgs(['--mode', 'idle', '--model-id', 'embedded', '--users', '5'], env);
    expect(idle).toMatchObject({ users: 5, mode: 'idle' });
    expect(idle.load.modelId).toBe('embedded');
    expect(() => parseReconnectArgs(['--mode', 'busy'], env)).toThrow(/--mode must be streaming or idle/);
  });

  it('spreads connections over users, perUser each', () => {
    expect(keysForConnections(['a', 'b', 'c'], 7, 3)).toEqual(['a', 'a', 'a', 'b', 'b', 'b', 'c']);
  });

  it('says when an open-file limit is too low for the sockets', () => {
    expect(fdShortfall('This generator', 1024, 10_000)).toMatch(/open-file limit is 1024: too low for 10000/);
    expect(fdShortfall('This generator', 20_000, 10_000)).toBeUndefined();
    expect(fdShortfall('The api', undefined, 10_000)).toBeUndefined();
  });
});

describe('connect error codes', () => {
  it("is the gateway's code when it refused the handshake", () => {
    expect(connectErrorCode(Object.assign(new Error('x'), { data: { code: 'RATE_LIMITED' } }))).toBe(
      'RATE_LIMITED',
    );
  });

  it("is engine.io's reason with the WebSocket's own when the transport failed", () => {
    const error = Object.assign(new Error('websocket error'), {
      description: { message: 'read ECONNRESET' },
    });
    expect(connectErrorCode(error)).toBe('websocket error: read ECONNRESET');
    expect(connectErrorCode(new Error('timeout'))).toBe('timeout');
  });
});

describe('memory kept from earlier load', () => {
  it('warns when the api once held more than 10% above what it holds before the run', () => {
    const mib = 1024 * 1024;
    expect(retainedMemoryWarning({ rssBytes: 688 * mib, peakRssBytes: 787 * mib })).toMatch(
      /peaked at 787.0 MiB .* understated/,
    );
    expect(retainedMemoryWarning({ rssBytes: 232 * mib, peakRssBytes: 250 * mib })).toBeUndefined();
    expect(retainedMemoryWarning(undefined)).toBeUndefined();
  });
});
