import { ValidationError } from '@app/common';

/**
 * A persona turn has exactly one stored, signed reply of text; these parameters would change that. Each is accepted
 * only at its default (what clients send for "off"), otherwise refused by name, never silently ignored.
 */
const UNSUPPORTED: readonly { param: string; isDefault: (value: unknown) => boolean; why: string }[] = [
  { param: 'n', isDefault: (v) => v === 1, why: 'only one choice per request is supported (n: 1)' },
  { param: 'tools', isDefault: isEmptyList, why: 'tool calling is not supported' },
  { param: 'functions', isDefault: isEmptyList, why: 'function calling is not supported' },
  { param: 'tool_choice', isDefault: (v) => v === 'none', why: 'tool calling is not supported' },
  { param: 'function_call', isDefault: (v) => v === 'none', why: 'function calling is not supported' },
  { param: 'logprobs', isDefault: (v) => v === false, why: 'log probabilities are not available' },
  { param: 'top_logprobs', isDefault: (v) => v === 0, why: 'log probabilities are not available' },
  {
    param: 'logit_bias',
    isDefault: (v) => typeof v === 'object' && v !== null && Object.keys(v).length === 0,
    why: 'logit bias is not supported',
  },
  {
    param: 'modalities',
    isDefault: (v) => Array.isArray(v) && v.every((modality) => modality === 'text'),
    why: 'only text output is supported',
  },
  { param: 'audio', isDefault: () => false, why: 'audio output is not supported' },
];

export function rejectUnsupported(fields: Record<string, unknown>): void {
  for (const { param, isDefault, why } of UNSUPPORTED) {
    const value = fields[param];
    if (value === undefined || value === null || isDefault(value)) continue;
    throw new ValidationError(`${param}: ${why}.`, { param });
  }
}

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}
