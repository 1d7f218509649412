export const DERIVATIONS = ['', 'fine-tuned', 'quantized', 'distilled', 'converted'] as const;
export type Derivation = (typeof DERIVATIONS)[number];

export interface HubManifest {
  slug: string;
  name: string;
  version: number;
  task: string;
  domain: string;
  description: string;
  license: string;
  datasets: string[];
  metrics: Record<string, number>;
  inputs: unknown[];
  outputs: unknown[];
  precision: string;
  bytes: number;
  /** 64 lowercase hex characters, no 0x. */
  sha256: string;
  /** The slug of the model this one derives from, or ''. */
  derivedFrom: string;
  derivation: string;
  tags: string[];
  familyId: string;
  /** The 0x address that signs the manifest. */
  publisher: string;
}
