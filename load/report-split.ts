import type { ModelPlatformSplit, Percentiles, SplitPart } from './report-figures';

/** The model/platform split as rows and notes, the same in report.md and report.html. */

export interface SplitRow {
  label: string;
  p50?: number;
  p99?: number;
  /** Share of the summed time, 0..1; undefined for rows that are a detail of another. */
  share?: number;
}

const MODEL_TTFT: Record<ModelPlatformSplit['source'], string> = {
  profile: "its latency profile's TTFT",
  server: "the server's timings.ttftMs, an upper bound",
  none: 'none reported',
};

function partRows(label: string, part: SplitPart | undefined, model: string): SplitRow[] {
  if (!part) return [{ label: `${label}: not split (no model TTFT known)` }];
  return [
    { label: `${label}, as the client saw it`, p50: part.total.p50, p99: part.total.p99, share: 1 },
    { label: `  the model (${model})`, p50: part.model.p50, p99: part.model.p99, share: part.modelShare },
    {
      label: '  the platform + network',
      p50: part.platform.p50,
      p99: part.platform.p99,
      share: 1 - part.modelShare,
    },
  ];
}

const detail = (label: string, p: Percentiles | undefined): SplitRow[] =>
  p ? [{ label, p50: p.p50, p99: p.p99 }] : [];

export function splitRows(split: ModelPlatformSplit): SplitRow[] {
  const model = MODEL_TTFT[split.source];
  return [
    ...partRows('TTFT', split.ttft, model),
    ...detail("  the server's TTFT (reply start → first token)", split.serverTtft),
    ...detail('  before the reply started (client − server TTFT)', split.beforeReply),
    ...partRows('End to end', split.e2e, `${split.source === 'none' ? '' : 'its TTFT + '}first → last token`),
  ];
}

export function splitNotes(split: ModelPlatformSplit, modelId: string | undefined): string[] {
  const notes = [
    'Shares are of the summed time over all completed measured replies (percentiles do not add up, sums do). ' +
      "End to end, the model's part is its TTFT plus first token → last token as the client saw it; the rest, " +
      'before the first token and after the last, is the platform + network.',
  ];
  const modelTtft = split.ttft?.model.p50;
  if (split.source === 'profile' && modelTtft === 0)
    notes.push(
      `The persona's model (${modelId}) is the embedded zero-latency model: the model took ~0 ms, so all of TTFT ` +
        "is what the platform added. The server's own TTFT (reply start → first token) is platform work too here: " +
        'building the prompt, reading the history, routing to a node. (Plain `embedded` is instant unless the ' +
        "server's EMBEDDED_LATENCY names a profile.)",
    );
  else if (split.source === 'profile')
    notes.push(
      `The persona's model (${modelId}) is the embedded model paced to a TTFT of ${modelTtft} ms: that is the model's part.`,
    );
  else if (split.source === 'server')
    notes.push(
      "The model's TTFT is the server's timings.ttftMs, which runs from the reply's start, before the prompt and the " +
        "history are built and a node is chosen: an upper bound on the model's part, so the platform's is a lower bound.",
    );
  else if (split.completed > 0)
    notes.push(
      "The server reported no timings.ttftMs (the OpenAI endpoint sends none) and the model's TTFT is not known " +
        "from its id: TTFT is not split, and the model's end-to-end part counts only first → last token.",
    );
  return notes;
}
