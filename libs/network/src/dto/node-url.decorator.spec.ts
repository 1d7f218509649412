import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { RegisterNodeDto } from './register-node.dto';

async function urlErrors(url: string): Promise<string[]> {
  const dto = plainToInstance(RegisterNodeDto, { url });
  const errors = await validate(dto);
  return Object.values(errors.find((error) => error.property === 'url')?.constraints ?? {});
}

describe('a node registration url', () => {
  it.each([
    'http://127.0.0.1:4000',
    'http://localhost:4000',
    'http://10.0.0.5:8080',
    'http://192.168.1.20',
    'https://node1.example.com',
    'http://[::1]:4000',
    'http://[fd12::1]:4000',
  ])('accepts loopback, private and public hosts: %s', async (url) => {
    expect(await urlErrors(url)).toEqual([]);
  });

  it.each([
    'http://user:pw@node.example.com',
    'http://user@10.0.0.5:8080',
    'https://:secret@node.example.com',
  ])('refuses a user name or password: %s', async (url) => {
    expect(await urlErrors(url)).toContain('url must not carry a user name or password');
  });

  it.each([
    'http://169.254.169.254/latest/meta-data',
    'http://169.254.0.1:8080',
    'http://169.254.169.254./',
    'http://2852039166/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://[fe80::1]:8080',
    'http://[febf::1]',
    'http://[::ffff:169.254.169.254]',
    'http://[fd00:ec2::254]',
    'http://metadata.google.internal/computeMetadata/v1',
    'http://METADATA.google.internal.',
  ])('refuses link-local and cloud metadata hosts: %s', async (url) => {
    expect(await urlErrors(url)).toContain(
      'url must not name a link-local address or a cloud metadata service',
    );
  });
});
