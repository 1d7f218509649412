export * from './prompt.types';
export * from './prompt-builder';
export * from './prompt-sections';
export * from './lorebook';
export * from './token-budget';
export * from './card-macros';
export * from './system-prompt';
export * from './lorebook-keys';
