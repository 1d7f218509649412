import { extractFeatures, FEATURE_NAMES, namedFeatures } from './features';
import { FEATURE_MAX } from './fixed-point';

describe('extractFeatures', () => {
  it('gives eight fixed-point integers in [0, 255]', () => {
    for (const text of ['', 'ok', 'WHY?!?! '.repeat(200), 'Ünïcödé façade — naïve café', '1234 5678']) {
      const features = extractFeatures(text);
      expect(features).toHaveLength(FEATURE_NAMES.length);
      for (const f of features) {
        expect(Number.isInteger(f)).toBe(true);
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThanOrEqual(FEATURE_MAX);
      }
    }
  });

  it('is deterministic and pinned: the same text always gives the same public inputs', () => {
    const text = "Thanks for asking! I'd love to help you plan the trip.";
    expect(extractFeatures(text)).toEqual(extractFeatures(String(text)));
    // 11 words; 1 of 2 sentences ends in "!"; "thanks", "love" positive; "you" second person (x4 density).
    expect(namedFeatures(extractFeatures(text))).toEqual({
      length: 22,
      exclamation: 128,
      question: 0,
      uppercase: 0,
      insult: 0,
      positive: 186,
      negative: 0,
      secondPerson: 93,
    });
  });

  it('reads shouting, insults and questions', () => {
    const hostile = namedFeatures(extractFeatures('SHUT UP, you STUPID idiot!!! Who asked you?'));
    expect(hostile.uppercase).toBe(96); // SHUT, UP, STUPID: 3 of 8 words with two or more cased letters
    expect(hostile.insult).toBe(FEATURE_MAX);
    expect(hostile.exclamation).toBe(128);
    expect(hostile.question).toBe(128);
    expect(hostile.secondPerson).toBe(FEATURE_MAX);
  });

  it('treats typographic apostrophes like ASCII ones and ignores case for the lexicons', () => {
    expect(extractFeatures('You’re Great')).toEqual(extractFeatures("you're great"));
  });

  it('gives all zeros for empty text', () => {
    expect(extractFeatures('')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
