// Small, fixed word lists for the reply features. Changing one changes the features, and so every proof's public
// inputs: treat them like weights.

const words = (list: string): ReadonlySet<string> => new Set(list.split(/\s+/).filter(Boolean));

export const POSITIVE_WORDS = words(`
  thanks thank great glad happy love lovely wonderful excellent awesome appreciate welcome nice good kind enjoy
  pleasure delighted fantastic amazing brilliant helpful hope congratulations perfect beautiful cheers fun excited
  grateful
`);

export const NEGATIVE_WORDS = words(`
  bad sad angry hate terrible awful horrible worst annoying annoyed disappointed upset wrong fail failed never
  unfortunately ugh disgusting boring useless miserable sucks whatever pointless ridiculous
`);

export const INSULT_WORDS = words(`
  dumb fool loser jerk pathetic worthless trash incompetent ugly imbecile damn crap bastard ass dick piss pissed
  bullshit clown
`);

/** Prefixes catch inflections (idiotic, morons, stupidity) and compounds without listing them. */
export const INSULT_PREFIXES: readonly string[] = [
  'idiot',
  'moron',
  'stupid',
  'fuck',
  'shit',
  'bitch',
  'asshole',
];

export const SECOND_PERSON_WORDS = words('you your yours yourself yourselves ya u ur');
