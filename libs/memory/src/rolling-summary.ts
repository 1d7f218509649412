/** The consumer's own words from turns that left the prompt window, first sentence each; deterministic, like facts. */
export const SUMMARY_MAX_CHARS = 1_500;
const SENTENCE_MAX_CHARS = 160;

export function foldIntoSummary(previous: string | null, userMessages: string[]): string {
  const points = userMessages.map(firstSentence).filter((s) => s.length > 0);
  const existing = previous ? previous.replace(/^Earlier, the user said: /, '').split(' | ') : [];
  const all = [...existing, ...points];
  while (all.length > 1 && `Earlier, the user said: ${all.join(' | ')}`.length > SUMMARY_MAX_CHARS)
    all.shift();
  return all.length > 0 ? `Earlier, the user said: ${all.join(' | ')}` : (previous ?? '');
}

function firstSentence(text: string): string {
  const sentence = (text.trim().split(/(?<=[.!?])\s+|\n+/)[0] ?? '').replace(/\s+/g, ' ').replace(/\|/g, '/');
  return sentence.length > SENTENCE_MAX_CHARS ? `${sentence.slice(0, SENTENCE_MAX_CHARS - 1)}…` : sentence;
}
