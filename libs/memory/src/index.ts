export * from './memory.errors';
export * from './memory.module';
export * from './memory.repository';
export * from './memory.service';
export * from './fact-extraction';
export * from './memory-extraction.module';
export * from './memory-extraction.service';
export {
  DEFAULT_RANK_WEIGHTS,
  type RankedMemory,
  type RankWeights,
  type RetrieveInput,
} from './memory-ranking';
export * from './embedding';
