export * from './card-limits';
export * from './card-issues';
export * from './card-extensions';
export * from './character-card.types';
export * from './card-reader';
export * from './card-writer';
export * from './png-chunks';
export * from './png-avatar';
