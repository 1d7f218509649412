/** The prober's ordering policy (docs/network.md, Liveness probes), apart from I/O so it can be tested alone. */

export interface ProbeCandidate {
  id: string;
  operatorId: string | null;
}

export interface ProbeLanes<T extends ProbeCandidate> {
  /** Healthy nodes due again, the soonest to lapse first. */
  lapsing: T[];
  /** Never probed, failing or lapsed nodes, in any order. */
  probation: T[];
}

/** Share of a round the probation lane may take while healthy nodes are due: new and failing nodes cannot crowd them. */
export const PROBATION_SHARE = 0.25;

/** Interleaves the operators' nodes (each operator's own order kept): every operator gets a turn before any a second. */
export function roundRobinByOperator<T extends ProbeCandidate>(nodes: T[]): T[] {
  const queues = new Map<string | null, T[]>();
  for (const node of nodes) {
    const queue = queues.get(node.operatorId);
    if (queue) queue.push(node);
    else queues.set(node.operatorId, [node]);
  }
  const order: T[] = [];
  for (let turn = 0; order.length < nodes.length; turn += 1)
    for (const queue of queues.values()) if (turn < queue.length) order.push(queue[turn]);
  return order;
}

/**
 * The nodes one round probes, at most `slots`, in the order they are started: the lapsing lane first (a healthy node
 * is re-probed before its window closes), then the probation lane, round-robin across operators. Probation gets at
 * least its share of the slots when it has nodes, and whatever the lapsing lane leaves unused.
 */
export function orderProbes<T extends ProbeCandidate>(lanes: ProbeLanes<T>, slots: number): T[] {
  const probationShare = Math.min(lanes.probation.length, Math.max(1, Math.floor(slots * PROBATION_SHARE)));
  const lapsing = lanes.lapsing.slice(0, slots - probationShare);
  const probation = roundRobinByOperator(lanes.probation).slice(0, slots - lapsing.length);
  return [...lapsing, ...probation];
}
