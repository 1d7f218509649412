export * from './database.module';
export * from './prisma.service';
export * from './transactions';
export * from './prisma-errors';
export * from './migrations';
export * from './generated/prisma/enums';
export { Prisma } from './generated/prisma/client';
export type {
  User,
  ApiKey,
  Persona,
  PersonaVersion,
  Conversation,
  Message,
  Memory,
  InferenceRecord,
  Proof,
  SettlementBatch,
  Node,
  NodeHeartbeat,
  HubModel,
  HubModelVersion,
} from './generated/prisma/client';
