// A larger hub for latency figures: clones of the real models with perturbed ids, names, sizes and metrics,
// so postings, vocabulary and families grow the way they would with many publishers.

import { HubDocument } from './hub-search.types';

/** A small deterministic generator, so two runs time the same hub. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PUBLISHER_WORDS = [
  'acme',
  'orbit',
  'lumen',
  'delta',
  'nova',
  'kite',
  'ember',
  'atlas',
  'pico',
  'vertex',
];

export function syntheticCorpus(base: HubDocument[], count: number, seed = 7): HubDocument[] {
  const random = mulberry32(seed);
  const out: HubDocument[] = [];
  for (let i = 0; out.length < count; i++) {
    const source = base[i % base.length];
    if (i < base.length) {
      out.push(source);
      continue;
    }
    const publisher = `${PUBLISHER_WORDS[Math.floor(random() * PUBLISHER_WORDS.length)]}${Math.floor(random() * 500)}`;
    const variant = Math.floor(random() * 100000).toString(36);
    const metrics: Record<string, number> = {};
    for (const [name, value] of Object.entries(source.metrics)) {
      metrics[name] = Math.min(1, Math.max(0, value + (random() - 0.5) * 0.04));
    }
    out.push({
      ...source,
      id: `${publisher}-${source.id}-${variant}`,
      name: `${source.name}-${variant}`,
      familyId: `${source.familyId ?? source.id}-${publisher}`,
      description: `${source.description} Fine-tuned variant ${variant} published by ${publisher}.`,
      metrics,
      bytes: Math.max(1, Math.round(source.bytes * (0.7 + random() * 0.6))),
      publisher,
    });
  }
  return out;
}
