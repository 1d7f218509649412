// Also @app/prompt/lorebook-keys, free of Nest and Prisma: personas checks keys with it on save and card import.
export * from './regex-key';
export { describeRegexRisk, findRegexRisk } from './regex-safety';
export type { RegexRisk, RegexSafetyOptions } from './regex-safety';
export { foldCase, PlainKeyIndex, ScanText } from './plain-key-index';
export { checkRegexKeyTemplate, namesFitRegexTemplate } from './regex-template';
export type { RegexKeyTemplate } from './regex-template';
