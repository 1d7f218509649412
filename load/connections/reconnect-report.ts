import type { LatencySummary } from '../histogram';
import type { HtmlSection } from '../html/sections';
import type { IdleCpu } from './figures';

/** Everything the reconnect scenario measured; report.json is this object. */
export interface ReconnectFigures {
  startedAt: string;
  parameters: {
    url: string;
    users: number;
    signedUp: number;
    mode: 'streaming' | 'idle';
    modelId?: string;
    persona?: string;
    rampPerS: number;
    sendPerS?: number;
    timeoutS: number;
  };
  open: { opened: number; failed: Record<string, number>; connectMs?: LatencySummary };
  storm: {
    dropped: number;
    reconnected: number;
    /** Time from the drop until this share of the dropped connections was back (null: never, within the timeout). */
    timeTo: { share: number; ms: number | null }[];
    reconnectMs?: LatencySummary;
    attempts: number;
    /** connect_error during the storm, by code (RATE_LIMITED, timeout, ...). */
    errors: Record<string, number>;
    /** Connections lost again after they were back, by socket.io's reason. */
    droppedAgain: Record<string, number>;
    apiCpu?: IdleCpu & { pid: number };
    /** This process from the drop to the end: its share of a core and event-loop delay (high: the generator lagged). */
    generator: { cpuPercent: number; eventLoopDelayMs: { p50: number; p99: number; max: number } };
  };
  /** Streaming mode: how each reply streaming at the drop came out (load/connections/resumed-reply.ts). */
  replies?: {
    outcomes: Record<string, number>;
    examples: Record<string, string>;
    tokensMissedAndResent: number;
    duplicateTokensDropped: number;
    /** Of those, duplicates whose text differed from the first copy (live vs resumed). */
    duplicateTokensDiffering: number;
    tokensPerReply?: number;
  };
  /** [ms after the drop, connections back]: the storm's curve. */
  curve: [number, number][];
}

const counts = (record: Record<string, number>): string =>
  Object.keys(record).length === 0
    ? 'none'
    : Object.entries(record)
        .map(([code, n]) => `${code} ${n}`)
        .join(', ');

const ms = (s: LatencySummary | undefined): string =>
  s ? `p50 ${s.p50} / p90 ${s.p90} / p99 ${s.p99} / max ${s.max} ms (n ${s.n})` : '-';

const shareLabel = (share: number): string => `${Math.round(share * 1000) / 10}%`;

export function reconnectMarkdown(f: ReconnectFigures): string {
  const p = f.parameters;
  const lines = [
    `# Reconnect storm: ${f.storm.reconnected} of ${f.storm.dropped} connections back`,
    '',
    `${f.startedAt}, ${p.url}: ${p.users} users, one socket.io /chat connection each (websocket), ` +
      (p.mode === 'streaming' ? `each with a reply streaming (model ${p.modelId ?? '-'}), ` : 'idle, ') +
      'all dropped at once on the client side (engine.close()); socket.io reconnects them with its own jittered ' +
      `backoff (1 s ± 50%, doubling to 5 s). Timeout ${p.timeoutS} s.`,
    '',
    '| figure | value |',
    '|---|---|',
    `| connections opened before the storm | ${f.open.opened} (failed: ${counts(f.open.failed)}) |`,
    `| dropped / reconnected | ${f.storm.dropped} / ${f.storm.reconnected} |`,
    ...f.storm.timeTo.map(
      (t) =>
        `| time until ${shareLabel(t.share)} reconnected | ${t.ms === null ? 'not reached' : `${t.ms} ms`} |`,
    ),
    `| reconnect time per connection | ${ms(f.storm.reconnectMs)} |`,
    `| reconnection attempts | ${f.storm.attempts} |`,
    `| connect errors during the storm | ${counts(f.storm.errors)} |`,
    `| dropped again after reconnecting | ${counts(f.storm.droppedAgain)} |`,
  ];
  if (f.storm.apiCpu)
    lines.push(
      `| api CPU from the drop until all were back | ${f.storm.apiCpu.msPerS} ms/s (pid ${f.storm.apiCpu.pid}) |`,
    );
  const g = f.storm.generator;
  lines.push(
    `| this generator through the storm | ${g.cpuPercent}% of a core; event-loop delay p50 ${g.eventLoopDelayMs.p50} / p99 ${g.eventLoopDelayMs.p99} / max ${g.eventLoopDelayMs.max} ms |`,
  );
  if (f.replies) {
    lines.push(
      `| replies, by outcome | ${counts(f.replies.outcomes)} |`,
      `| tokens resent by the resume (missed) / duplicates dropped (with other text) | ${f.replies.tokensMissedAndResent} / ${f.replies.duplicateTokensDropped} (${f.replies.duplicateTokensDiffering}) |`,
      `| tokens per reply (mean) | ${f.replies.tokensPerReply ?? '-'} |`,
    );
    if (Object.keys(f.replies.examples).length > 0) {
      lines.push('', 'An example of each outcome that is not whole:');
      for (const [outcome, detail] of Object.entries(f.replies.examples))
        lines.push(`- ${outcome}: ${detail}`);
    }
  }
  return lines.join('\n') + '\n';
}

export function reconnectSections(f: ReconnectFigures): HtmlSection[] {
  const sections: HtmlSection[] = [
    {
      kind: 'text',
      text:
        `${f.parameters.users} connections${f.parameters.mode === 'streaming' ? ', each with a reply streaming,' : ''} ` +
        'dropped at once on the client side and reconnected by socket.io with its jittered backoff. A streaming reply ' +
        'is resumed with conversation:join (messageId and the last seq held) and is whole when its tokens have no gap ' +
        "and join into message:done's content.",
    },
    {
      kind: 'table',
      title: 'Time until a share of the connections was back',
      columns: ['share', 'ms after the drop'],
      rows: f.storm.timeTo.map((t) => [shareLabel(t.share), t.ms]),
    },
    {
      kind: 'lines',
      title: 'Connections back after the drop',
      xLabel: 'ms after the drop',
      yLabel: 'connections',
      series: [{ name: 'reconnected', points: f.curve }],
    },
    {
      kind: 'table',
      title: 'Errors',
      columns: ['what', 'by code'],
      rows: [
        ['connect errors during the storm', counts(f.storm.errors)],
        ['dropped again', counts(f.storm.droppedAgain)],
      ],
    },
  ];
  if (f.replies)
    sections.push({
      kind: 'bars',
      title: 'Replies streaming at the drop, by outcome',
      xLabel: 'outcome',
      yLabel: 'replies',
      bars: Object.entries(f.replies.outcomes).map(([label, value]) => ({ label, value })),
    });
  return sections;
}
