import { nodeUrlProblem } from './node-url.decorator';

describe('nodeUrlProblem', () => {
  it.each([
    'http://169.254.169.254/',
    'http://[fe80::1]:4000',
    'http://[fd00:ec2::254]/',
    'http://100.100.100.200/',
    'http://192.0.0.192/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[::a9fe:a9fe]/',
    'http://[::ffff:169.254.169.254]/',
    'http://instance-data/',
    'http://metadata.google.internal./',
    'http://0xa9.0xfe.0xa9.0xfe/',
  ])('refuses %s: a cloud metadata service or link-local address', (url) => {
    expect(nodeUrlProblem(url)).toContain('link-local');
  });

  it.each(['http://127.0.0.1:4001', 'http://10.0.0.5:4000', 'https://node.example.com', 'http://[::1]:4000'])(
    'allows %s',
    (url) => {
      expect(nodeUrlProblem(url)).toBeUndefined();
    },
  );

  it('refuses a user name or password', () => {
    expect(nodeUrlProblem('http://user:pw@node.example.com')).toContain('user name');
  });

  it('refuses a query or fragment, where a relay would otherwise send the gateway path', () => {
    expect(nodeUrlProblem('http://127.0.0.1:9000/admin/exec?x=')).toContain('query');
    expect(nodeUrlProblem('http://node.example.com/#frag')).toContain('fragment');
    expect(nodeUrlProblem('http://node.example.com/base/')).toBeUndefined();
  });
});
