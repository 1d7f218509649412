/**
 * How deep any JSON a client sends may nest. Nothing the API defines needs more than a few levels; the deepest
 * legitimate input is a card's `extensions` (64 levels, see libs/personas card-limits) inside a card body.
 * Every walk over client data is bounded by this, so deep input is a 400 and never a stack overflow.
 */
export const MAX_JSON_DEPTH = 100;

/** Arrays and plain objects: what JSON.parse, express and multer fields produce. Buffers and class instances are not walked. */
export function isJsonContainer(value: unknown): value is object {
  if (Array.isArray(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Levels of nesting of arrays and plain objects in `value` (`{}` is 1, `{ "a": [] }` is 2, a string 0), counted
 * without recursion and giving up as soon as it passes `limit`: then it returns `limit + 1`.
 */
export function jsonDepth(value: unknown, limit: number): number {
  if (!isJsonContainer(value)) return 0;
  let deepest = 0;
  const stack: { value: object; depth: number }[] = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: container, depth } = stack.pop() as { value: object; depth: number };
    if (depth > limit) return limit + 1;
    if (depth > deepest) deepest = depth;
    const children: unknown[] = Array.isArray(container) ? container : Object.values(container);
    for (const child of children) {
      if (isJsonContainer(child)) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return deepest;
}
