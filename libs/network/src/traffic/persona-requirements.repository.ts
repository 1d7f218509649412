import { Injectable } from '@nestjs/common';
import { PrismaService } from '@app/database';

/** How many live personas need a model with a given minimum of operators. */
export interface PersonaRequirement {
  modelId: string;
  minOperators: number;
  personas: number;
}

@Injectable()
export class PersonaRequirementsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** One GROUP BY: at most (models × 10 minimums) rows, however many personas there are. */
  async requirements(): Promise<PersonaRequirement[]> {
    const groups = await this.prisma.persona.groupBy({
      by: ['modelId', 'minOperators'],
      where: { deletedAt: null },
      _count: { _all: true },
      orderBy: [{ modelId: 'asc' }, { minOperators: 'asc' }],
    });
    return groups.map((g) => ({ modelId: g.modelId, minOperators: g.minOperators, personas: g._count._all }));
  }
}
