import { commitWeights, flattenWeights } from './commitment';
import { extractFeatures } from './features';
import { ACC_BITS, FEATURE_MAX, fromField, SCALE, toField } from './fixed-point';
import { accumulatorBound, runMlp } from './mlp';
import { REPLY_SCORE_WEIGHTS } from './weights';

const score = (text: string) => runMlp(extractFeatures(text), REPLY_SCORE_WEIGHTS).scores;

describe('runMlp (reply scorer)', () => {
  it('scores a warm reply as warm and safe, an abusive one as hostile and unsafe', () => {
    const [warmTone, warmSafety] = score("Thanks for asking! I'd love to help you plan the trip.");
    const [hostileTone, hostileSafety] = score('SHUT UP, you STUPID idiot!!! Who asked you?');
    expect(warmTone).toBeGreaterThan(0);
    expect(warmSafety).toBeGreaterThan(0);
    expect(hostileTone).toBeLessThan(0);
    expect(hostileSafety).toBeLessThan(0);
  });

  it('keeps a neutral, factual reply safe', () => {
    const [, safety] = score('The train leaves at 9:40 from platform 3 and takes about two hours.');
    expect(safety).toBeGreaterThan(0);
  });

  it('rounds like the circuit: ReLU, then floor division by 256 at each layer', () => {
    const weights = { w1: [[SCALE]], b1: [-1], w2: [[-SCALE / 2]], b2: [0] };
    // z = 256*200 - 256 = 50944 -> h = 199; y = -128*199 = -25472 -> floor(-99.5) = -100
    expect(runMlp([200], weights)).toEqual({ hidden: [199], scores: [-100] });
    expect(runMlp([0], weights)).toEqual({ hidden: [0], scores: [0] });
  });

  it('stays inside the circuit accumulator bound for every possible feature vector', () => {
    expect(accumulatorBound(REPLY_SCORE_WEIGHTS, FEATURE_MAX)).toBeLessThan(2 ** ACC_BITS);
  });

  it('refuses inputs the circuit could not prove', () => {
    const weights = { w1: [[2 ** 20]], b1: [0], w2: [[1]], b2: [0] };
    expect(() => runMlp([255], weights)).toThrow(/accumulator/);
  });
});

describe('weights commitment', () => {
  it('hashes 90 parameters in the circuit order, negatives as p - |v|', () => {
    expect(flattenWeights(REPLY_SCORE_WEIGHTS)).toHaveLength(8 * 8 + 8 + 2 * 8 + 2);
    expect(fromField(toField(-640))).toBe(-640n);
  });

  it('changes when any single weight changes', () => {
    const base = commitWeights(REPLY_SCORE_WEIGHTS);
    const w2 = REPLY_SCORE_WEIGHTS.w2.map((row) => [...row]);
    w2[1][7] += 1;
    expect(commitWeights({ ...REPLY_SCORE_WEIGHTS, w2 })).not.toBe(base);
  });
});
