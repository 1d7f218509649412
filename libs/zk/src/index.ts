export * from './zk-bundle';
export * from './zk-prover';
export * from './zk-verify';
export * from './solidity-calldata';
export * from './public-signals';
export { releaseZkResources } from './curve';
export {
  findArtifactsDir,
  loadZkArtifacts,
  ZK_ARTIFACT_FILES,
  ZK_CIRCUIT,
  type ZkArtifactFile,
  type ZkArtifacts,
  type ZkManifest,
} from './manifest';
export { extractFeatures, namedFeatures, FEATURE_NAMES, type FeatureName } from './model/features';
export { runMlp, accumulatorBound, type MlpOutput } from './model/mlp';
export { commitWeights, flattenWeights } from './model/commitment';
export { buildCircuitInput, type ReplyScoreCircuitInput } from './model/circuit-input';
export {
  REPLY_SCORE_WEIGHTS,
  SCORE_NAMES,
  HIDDEN_UNIT_NAMES,
  type MlpWeights,
  type ScoreName,
} from './model/weights';
export * from './model/fixed-point';
