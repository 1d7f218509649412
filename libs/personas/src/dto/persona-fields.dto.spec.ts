import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { CreatePersonaDto } from './create-persona.dto';
import { ImportPersonaQuery } from './import-persona.query';

async function modelIdErrors(target: typeof CreatePersonaDto | typeof ImportPersonaQuery, modelId: string) {
  const errors = await validate(plainToInstance(target, { name: 'Ada', modelId }));
  return errors.filter((error) => error.property === 'modelId');
}

describe('persona modelId', () => {
  // Every id a node can register and serve must be nameable by a persona (newcomer review #2): inline embedded
  // profiles carry `=` and `,`, and load/README's chat-load example creates a persona with one.
  it.each(['embedded', 'embedded:slow', 'embedded:ttft=300,tps=5', 'meta-llama/Llama-3-8B', 'qwen2.5:0.5b'])(
    'accepts %s when creating and importing',
    async (modelId) => {
      expect(await modelIdErrors(CreatePersonaDto, modelId)).toEqual([]);
      expect(await modelIdErrors(ImportPersonaQuery, modelId)).toEqual([]);
    },
  );

  it.each(['', ':embedded', 'embedded slow', 'a;b', 'x'.repeat(101)])('refuses %j', async (modelId) => {
    const [error] = await modelIdErrors(CreatePersonaDto, modelId);
    expect(error?.constraints?.matches).toMatch(/letters, digits or/);
    expect(await modelIdErrors(ImportPersonaQuery, modelId)).toHaveLength(1);
  });
});
