/** DI token for the process's NodeOptions. */
export const NODE_OPTIONS = Symbol('NODE_OPTIONS');
