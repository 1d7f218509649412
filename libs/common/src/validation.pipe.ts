import { ArgumentMetadata, ValidationError as ClassValidatorError, ValidationPipe } from '@nestjs/common';
import { ValidationError } from './domain-error';
import { isJsonContainer, MAX_JSON_DEPTH } from './json-depth';

interface FieldProblem {
  field: string;
  problems: string[];
}

function flatten(errors: ClassValidatorError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * PostgreSQL cannot store NUL in text or JSON, and a lone UTF-16 surrogate would be silently replaced on the way
 * to UTF-8: both are refused here, with the field named, rather than failing or corrupting data later. The walk
 * is iterative and bounded in depth, and visits only strings, arrays and plain objects: a Buffer is not text.
 */
export function findUnstorableText(value: unknown, maxDepth: number = MAX_JSON_DEPTH): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof item.value === 'string') {
      const problem = textProblem(item.value, item.path);
      if (problem) return problem;
      continue;
    }
    if (!isJsonContainer(item.value)) continue;
    if (item.depth >= maxDepth) return `${item.path || 'value'} nests deeper than ${maxDepth} levels`;
    const children: { value: unknown; path: string; depth: number }[] = [];
    if (Array.isArray(item.value)) {
      item.value.forEach((child: unknown, index) =>
        children.push({ value: child, path: `${item.path}[${index}]`, depth: item.depth + 1 }),
      );
    } else {
      for (const [key, child] of Object.entries(item.value)) {
        const problem = textProblem(key, item.path);
        if (problem) return problem;
        children.push({ value: child, path: item.path ? `${item.path}.${key}` : key, depth: item.depth + 1 });
      }
    }
    // Reversed, so the first field is reported first.
    for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i]);
  }
  return undefined;
}

function textProblem(text: string, path: string): string | undefined {
  if (text.includes('\u0000')) return `${path || 'value'} contains a NUL character`;
  if (!text.isWellFormed()) return `${path || 'value'} contains an unpaired UTF-16 surrogate`;
  return undefined;
}

// Only what a client wrote is walked: a custom parameter is the platform's own object (the caller, an uploaded
// file whose bytes the card reader checks as text), and walking an 8 MiB Buffer as an object stalled the api.
const CLIENT_INPUT: ReadonlySet<ArgumentMetadata['type']> = new Set(['body', 'query', 'param']);

class EdgeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (!CLIENT_INPUT.has(metadata.type)) return value;
    const problem = findUnstorableText(value);
    if (problem) throw new ValidationError(`Invalid request: ${problem}`);
    return super.transform(value, metadata);
  }
}

/** Rejects unknown fields and wrong types at the edge, naming each field and what is wrong with it. */
export function createValidationPipe(): ValidationPipe {
  return new EdgeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      const summary = details.map((d) => `${d.field}: ${d.problems.join(', ')}`).join('; ');
      return new ValidationError(`Invalid request: ${summary}`, details);
    },
  });
}
