import { curves } from 'snarkjs';

// snarkjs (through ffjavascript) keeps one multi-threaded bn128 curve in globalThis.curve_bn128, with worker
// threads that hold the process open until terminated.
type CurveHolder = { curve_bn128?: { terminate(): Promise<void> } | null };

let building: Promise<unknown> | null = null;

/** Builds the shared curve once, so that concurrent first proofs do not each start (and leak) a worker pool. */
export async function ensureCurve(): Promise<void> {
  if (!(globalThis as CurveHolder).curve_bn128) building = null;
  building ??= curves.getCurveFromName('bn128');
  await building;
}

export async function releaseZkResources(): Promise<void> {
  building = null;
  const curve = (globalThis as CurveHolder).curve_bn128;
  if (curve) await curve.terminate();
}
