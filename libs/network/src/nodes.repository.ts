import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@app/database';
import type { Node } from '@app/database';

export interface NodeRegistration {
  address: string;
  name: string;
  url: string;
  modelIds: string[];
  attestationKind: string;
  attestation: Prisma.InputJsonValue;
  measurement: string | null;
}

@Injectable()
export class NodesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** A node is known by its signing address; registering again refreshes its attestation and marks it active. */
  register(node: NodeRegistration): Promise<Node> {
    const now = new Date();
    return this.prisma.node.upsert({
      where: { address: node.address },
      create: { ...node, status: 'active', lastHeartbeatAt: now },
      update: { ...node, status: 'active', lastHeartbeatAt: now },
    });
  }

  findByAddress(address: string): Promise<Node | null> {
    return this.prisma.node.findUnique({ where: { address } });
  }

  findById(id: string): Promise<Node | null> {
    return this.prisma.node.findUnique({ where: { id } });
  }
}
