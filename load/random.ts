export type Random = () => number;

// splitmix32 spreads a small integer seed over the whole state, so seeds 1 and 2 give unrelated streams.
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** sfc32, seeded: Math.random cannot be, and a load run must repeat its arrivals and think times for the same seed. */
export function seededRandom(seed: number): Random {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

export function exponential(random: Random, mean: number): number {
  if (mean <= 0) return 0;
  // 1 - u lies in (0, 1], so the logarithm is always finite.
  return -Math.log(1 - random()) * mean;
}
