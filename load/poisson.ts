import { exponential, seededRandom } from './random';

export interface PlanOptions {
  /** Conversation arrivals per second. */
  rate: number;
  warmupMs: number;
  durationMs: number;
  turns: number;
  /** Mean think time between a reply and the next turn (exponential). */
  thinkMs: number;
  seed: number;
}

export interface PlannedConversation {
  index: number;
  arrivalMs: number;
  /** Pause before turn i + 1, after turn i's reply has ended; one per turn after the first. */
  thinkMs: number[];
  /** Arrived during the warm-up: its turns load the platform but are not measured. */
  warmup: boolean;
}

export interface Plan {
  options: PlanOptions;
  conversations: PlannedConversation[];
}

/**
 * Conversations arrive as a Poisson process, drawn before the run: arrivals never depend on how fast the platform
 * answers (an open model), setup knows how many conversations to make, and a seed repeats the schedule.
 */
export function buildPlan(options: PlanOptions): Plan {
  if (!(options.rate > 0)) throw new RangeError('rate must be positive');
  // Separate streams: changing --turns or --think-ms must not move the arrivals.
  const arrivals = seededRandom(options.seed);
  const thinking = seededRandom(options.seed ^ 0x5bd1e995);
  const endMs = options.warmupMs + options.durationMs;
  const conversations: PlannedConversation[] = [];
  for (let at = exponential(arrivals, 1000 / options.rate); at < endMs;) {
    conversations.push({
      index: conversations.length,
      arrivalMs: at,
      thinkMs: Array.from({ length: Math.max(0, options.turns - 1) }, () =>
        exponential(thinking, options.thinkMs),
      ),
      warmup: at < options.warmupMs,
    });
    at += exponential(arrivals, 1000 / options.rate);
  }
  return { options, conversations };
}
