import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadOptions } from './args';
import { deleteRunPersona } from './churn-cleanup';

describe('deleteRunPersona (load:churn leaves no live persona behind)', () => {
  const seen: { method?: string; url?: string; authorization?: string }[] = [];
  let status = 204;
  const server = createServer((req: IncomingMessage, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    res.writeHead(status).end();
  });
  let options: LoadOptions;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    options = {
      url: `http://127.0.0.1:${port}`,
      creatorKey: 'tp_creator',
      creatorKeyFile: '/nonexistent',
    } as LoadOptions;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
    status = 204;
  });

  it('deletes the persona the run made, with the creator key', async () => {
    const said = await deleteRunPersona(options, { id: 'p-1', slug: 'load-test-ab', created: true });
    expect(seen).toEqual([{ method: 'DELETE', url: '/v1/personas/p-1', authorization: 'Bearer tp_creator' }]);
    expect(said).toBe('deleted persona load-test-ab');
  });

  it('keeps a persona given with --persona, and says so when the api refuses', async () => {
    expect(await deleteRunPersona(options, { id: 'p-2', slug: 'ada', created: false })).toContain('kept');
    expect(seen).toEqual([]);
    status = 403;
    expect(await deleteRunPersona(options, { id: 'p-3', slug: 'x', created: true })).toContain(
      'answered 403',
    );
  });
});
