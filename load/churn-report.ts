import type { Replacement } from './node-fleet';

export interface TakeoverOutcomes {
  /** Replies for which a `message:node-changed` arrived (another node took over mid-reply). */
  seen: number;
  /** Of those, the ones in the measured window; of these, how many completed and how many failed (by code). */
  measured: number;
  completed: number;
  failed: Record<string, number>;
}

export interface ChurnFigures {
  nodes: number;
  killEveryS: number;
  /** Healthy nodes this tool did not start: they served too, so the churn hit a smaller share of replies. */
  otherHealthyNodes: string[];
  kills: Replacement[];
  nodeChangedEvents: number;
  takeovers: TakeoverOutcomes;
}

/** Matches the replies a takeover hit against how their turns ended (undefined error: completed). */
export function takeoverOutcomes(
  messageIds: ReadonlySet<string>,
  outcomes: ReadonlyMap<string, string | undefined>,
): TakeoverOutcomes {
  const result: TakeoverOutcomes = { seen: messageIds.size, measured: 0, completed: 0, failed: {} };
  for (const id of messageIds) {
    if (!outcomes.has(id)) continue;
    result.measured += 1;
    const error = outcomes.get(id);
    if (error === undefined) result.completed += 1;
    else result.failed[error] = (result.failed[error] ?? 0) + 1;
  }
  return result;
}

/** The churn section printed after chat-load's table. */
export function formatChurn(churn: ChurnFigures): string {
  const replaced = churn.kills.flatMap((kill) => (kill.replacedMs === undefined ? [] : [kill.replacedMs]));
  const sorted = [...replaced].sort((a, b) => a - b);
  const failed = Object.entries(churn.takeovers.failed)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const lines = [
    '',
    churn.killEveryS === 0
      ? `Node churn: ${churn.nodes} nodes, no kills (the baseline)`
      : `Node churn: ${churn.nodes} nodes, one SIGKILLed every ${churn.killEveryS} s and started again at once`,
    ...churn.kills.map(
      (kill) =>
        `  ${Math.max(0, kill.atS).toFixed(1).padStart(5)} s  ${kill.name.padEnd(14)} back (registered) after ` +
        (kill.replacedMs === undefined ? 'never (30 s)' : `${kill.replacedMs} ms`) +
        (kill.listeningMs === undefined ? '' : ` (listening after ${kill.listeningMs} ms)`),
    ),
    `  time to replace: ${
      sorted.length > 0
        ? `median ${sorted[Math.floor((sorted.length - 1) / 2)]} ms, max ${sorted[sorted.length - 1]} ms`
        : 'no node came back'
    } (${replaced.length}/${churn.kills.length} back)`,
    `  takeovers seen (message:node-changed): ${churn.nodeChangedEvents} events on ${churn.takeovers.seen} replies; ` +
      `${churn.takeovers.measured} in the measured window: ${churn.takeovers.completed} completed` +
      (failed ? `, failed: ${failed}` : ''),
  ];
  if (churn.otherHealthyNodes.length > 0)
    lines.push(`  warning: other healthy nodes served too: ${churn.otherHealthyNodes.join(', ')}`);
  return lines.join('\n') + '\n';
}
