import type { ListedNode } from '../scripts/cluster-nodes';

/**
 * Could this node take a reply for `modelId`? A registered node serves the model ids it lists; the api's in-process
 * node lists none and serves whatever the api's model registry runs (the embedded model ids among them), so it counts.
 */
export function mayServe(node: ListedNode & { modelIds?: string[] }, modelId: string): boolean {
  const modelIds = node.modelIds ?? [];
  if (modelIds.includes(modelId)) return true;
  return !node.operator && modelIds.length === 0;
}
