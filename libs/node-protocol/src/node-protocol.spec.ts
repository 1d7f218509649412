import { join } from 'node:path';

// The node process and the api's recorder both load this library; it must stay light.
const HEAVY = [
  '@nestjs/common',
  '@nestjs/core',
  '@prisma/client',
  join(__dirname, '../../database/src/generated/prisma/client'),
];

describe('@app/node-protocol', () => {
  it('loads neither Nest nor the Prisma client', async () => {
    const loaded: string[] = [];
    await jest.isolateModulesAsync(async () => {
      for (const name of HEAVY)
        jest.doMock(name, () => {
          loaded.push(name);
          return {};
        });
      await import('@app/node-protocol');
    });
    expect(loaded).toEqual([]);
  });
});
