import { createRootLogger } from '@app/common/root-logger';
import { LogCapture } from '@app/common/testing/log-capture';
import { NO_RELAY_ID_NOTICE, startRelay } from './relay-server';

describe('startRelay: its start-up notice about --relay-id', () => {
  // No api listens here: the relay starts anyway and only warns that it knows no gateway yet.
  async function start(relayId?: string): Promise<string[]> {
    const logs = new LogCapture();
    const relay = await startRelay({
      apiUrl: 'http://127.0.0.1:9',
      host: '127.0.0.1',
      port: 0,
      relayId,
      logger: createRootLogger({ format: 'json', level: 'log', app: 'relay' }, logs),
    });
    await relay.close(0);
    return logs.lines.map((line) => String(line.msg));
  }

  it('says once, without --relay-id, that its traffic is not credited and how to register it', async () => {
    const messages = await start();

    expect(messages.filter((message) => message === NO_RELAY_ID_NOTICE)).toHaveLength(1);
    expect(NO_RELAY_ID_NOTICE).toMatch(/POST \/v1\/privacy\/relays/);
  });

  it('says nothing of it when started with its id', async () => {
    expect(await start('r1')).not.toContain(NO_RELAY_ID_NOTICE);
  });
});
