/**
 * A sweep finds the knee: the offered rate rises step by step until goodput stops rising, and the run is reported as
 * a curve (offered → achieved, goodput, TTFT), the way GuideLLM and `vllm bench serve` report it.
 */

export interface SweepPlan {
  /** Explicit rates (--sweep 10,20,40), or a geometric series from --rate (--sweep auto). */
  rates?: readonly number[];
  start: number;
  factor: number;
  maxSteps: number;
}

export interface SweepPoint {
  offeredPerS: number;
  achievedPerS: number;
  goodputPerS: number;
  ttftP50Ms?: number;
  ttftP99Ms?: number;
  failed: number;
  /** Server CPU per message, all processes, when the platform runs on this machine. */
  cpuMsPerMessage?: number;
}

/** Goodput must grow by at least this share from one step to the next to count as still rising. */
export const STILL_RISING = 0.05;

/** Parses --sweep: "auto", or a comma-separated list of rising positive rates. */
export function parseSweep(raw: string, start: number): SweepPlan {
  const auto = { start, factor: 1.5, maxSteps: 10 };
  if (raw === 'auto') return auto;
  const rates = raw.split(',').map((part) => Number(part.trim()));
  if (rates.length < 2 || rates.some((rate) => !Number.isFinite(rate) || rate <= 0))
    throw new Error(`--sweep must be auto or at least two positive rates like 10,20,40, not "${raw}"`);
  if (rates.some((rate, i) => i > 0 && rate <= (rates[i - 1] ?? 0)))
    throw new Error(`--sweep rates must rise: ${raw}`);
  return { ...auto, rates, maxSteps: rates.length };
}

/** The rate of the next step, or undefined when the sweep is over (the list ran out, or goodput stopped rising). */
export function nextRate(plan: SweepPlan, done: readonly SweepPoint[]): number | undefined {
  if (done.length >= plan.maxSteps) return undefined;
  if (plan.rates) return plan.rates[done.length];
  if (done.length >= 2 && kneeIndex(done) < done.length - 1) return undefined;
  return round(plan.start * plan.factor ** done.length);
}

/**
 * The step with the most goodput before it stopped rising: the first step whose successor does not add at least
 * STILL_RISING of it. The last step when goodput rose all the way (the sweep did not reach the knee).
 */
export function kneeIndex(points: readonly SweepPoint[]): number {
  for (let i = 0; i + 1 < points.length; i++) {
    const here = points[i]?.goodputPerS ?? 0;
    const next = points[i + 1]?.goodputPerS ?? 0;
    if (next < here * (1 + STILL_RISING)) return i;
  }
  return points.length - 1;
}

const round = (value: number): number => Math.round(value * 100) / 100;

export function formatSweep(points: readonly SweepPoint[]): string {
  if (points.length === 0) return '';
  const knee = kneeIndex(points);
  const reached = knee < points.length - 1;
  const cell = (value: number | undefined, digits = 1): string =>
    value === undefined ? '-' : value.toFixed(digits);
  const lines = [
    '',
    'Sweep: goodput against offered load',
    '  offered/s  achieved/s  goodput/s  TTFT p50 ms  TTFT p99 ms  failed  CPU ms/msg',
    ...points.map(
      (p, i) =>
        `  ${cell(p.offeredPerS).padStart(9)}  ${cell(p.achievedPerS).padStart(10)}  ${cell(p.goodputPerS).padStart(9)}` +
        `  ${cell(p.ttftP50Ms).padStart(11)}  ${cell(p.ttftP99Ms).padStart(11)}  ${String(p.failed).padStart(6)}` +
        `  ${cell(p.cpuMsPerMessage, 2).padStart(10)}${i === knee ? (reached ? '  <- knee' : '  <- highest so far') : ''}`,
    ),
    reached
      ? `Knee: ${cell(points[knee]?.goodputPerS)} good replies/s at ${cell(points[knee]?.offeredPerS)} offered/s; past it goodput stops rising.`
      : 'Goodput still rose at the last step: the knee is beyond this sweep (add higher rates).',
  ];
  return lines.join('\n') + '\n';
}
