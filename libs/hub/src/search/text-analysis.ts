// Tokenising shared by documents and queries, so both sides fold words the same way.

const SUFFIXES = [
  'ications',
  'ication',
  'ations',
  'ation',
  'itions',
  'ition',
  'izers',
  'izer',
  'izing',
  'ized',
  'izes',
  'ize',
  'ating',
  'ated',
  'ates',
  'ate',
  'ions',
  'ion',
  'iers',
  'ier',
  'ings',
  'ing',
  'ers',
  'er',
  'ors',
  'or',
  'ed',
  'y',
];

/** Plural to singular, without touching words that end in a double s ("class"). */
function singular(word: string): string {
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:ss|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is'))
    return word.slice(0, -1);
  return word;
}

/** Light suffix folding: detection/detector/detect, classifier/classification, recognize/recognition. */
export function stem(word: string): string {
  if (word.length < 4 || /\d/.test(word)) return word;
  const one = singular(word);
  for (const suffix of SUFFIXES) {
    if (one.endsWith(suffix) && one.length - suffix.length >= 4) return one.slice(0, -suffix.length);
  }
  return one;
}

/** Lower-cased alphanumeric words; "opset 7" becomes one word so a version is not any "7". */
export function words(text: string): string[] {
  const normalised = text
    .toLowerCase()
    .replace(/\bopset\s*(\d+)/g, 'opset$1')
    .replace(/\breal[-\s]time\b/g, 'realtime');
  return normalised.match(/[a-z0-9]+/g) ?? [];
}

/**
 * Surface words and the extra forms a model name needs: "YOLOv3" also as "yolo" + "v3", "ResNet50" also as
 * "resnet" + "50", "GPT-2" also as "gpt2" (adjacent pieces joined), so people find a name however they space it.
 */
export function nameForms(text: string): string[] {
  const pieces = words(text);
  const out: string[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    out.push(piece);
    const version = /^([a-z]{3,})v(\d+)$/.exec(piece);
    if (version) out.push(version[1], `v${version[2]}`);
    const split = piece.match(/[a-z]+|\d+/g);
    if (split && split.length > 1) out.push(...split);
    if (i + 1 < pieces.length) out.push(piece + pieces[i + 1]);
  }
  return out;
}

export function terms(text: string): string[] {
  return words(text).map(stem);
}

export function nameTerms(text: string): string[] {
  return nameForms(text).map(stem);
}
