import { quantize } from './fixed-point';

/** An 8 -> 8 -> 2 MLP's parameters as fixed-point integers at scale 256 (see fixed-point.ts). */
export interface MlpWeights {
  /** w1[hidden][feature] */
  readonly w1: readonly (readonly number[])[];
  readonly b1: readonly number[];
  /** w2[score][hidden] */
  readonly w2: readonly (readonly number[])[];
  readonly b2: readonly number[];
}

/** The circuit's public outputs, in order: tone > 0 reads as warm, safety < 0 as unsafe to show. */
export const SCORE_NAMES = ['tone', 'safety'] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];

// Hand-set rather than trained: each hidden unit is one readable detector over the features
// [length, exclamation, question, uppercase, insult, positive, negative, secondPerson].
// Real values here; the committed model is their rounding to 1/256, which is exact for every value below.
const HIDDEN: readonly { name: string; w: readonly number[]; b: number }[] = [
  { name: 'hostility', w: [0, 0.5, 0, 1, 3, -1, 1.5, 0.75], b: -0.25 },
  { name: 'warmth', w: [0.25, 0.5, 0.25, -0.5, -2, 3, -1.5, 0.5], b: 0.125 },
  { name: 'shouting', w: [0, 1.5, 0, 3, 0.5, 0, 0, 0], b: -0.75 },
  { name: 'engagement', w: [0.5, 0, 1.5, 0, 0, 0.5, 0, 1], b: 0 },
  { name: 'negativity', w: [0, 0.25, 0, 0.25, 1, -1, 2.5, 0], b: -0.125 },
  { name: 'rambling', w: [2, 0, 0, 0, 0, 0, 0, 0], b: -1.25 },
  { name: 'targeted', w: [0, 0, 0, 0.5, 2.5, 0, 0.5, 2], b: -1 },
  { name: 'calm', w: [0, -1, 0, -1.5, -2, 0, -0.5, 0], b: 1 },
];

const OUTPUT: readonly { name: string; w: readonly number[]; b: number }[] = [
  // hidden:   hostility warmth shouting engagement negativity rambling targeted calm
  { name: 'tone', w: [-1, 1.5, -1, 0.5, -1, -0.5, -0.5, 0.5], b: -0.25 },
  { name: 'safety', w: [-2, 0.25, -0.75, 0, -0.5, 0, -3, 0.75], b: 0.5 },
];

export const HIDDEN_UNIT_NAMES: readonly string[] = HIDDEN.map((h) => h.name);

export const REPLY_SCORE_WEIGHTS: MlpWeights = {
  w1: HIDDEN.map((h) => h.w.map(quantize)),
  b1: HIDDEN.map((h) => quantize(h.b)),
  w2: OUTPUT.map((o) => o.w.map(quantize)),
  b2: OUTPUT.map((o) => quantize(o.b)),
};
