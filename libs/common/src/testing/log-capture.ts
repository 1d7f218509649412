import type { DestinationStream } from 'pino';

/** A pino destination that keeps each JSON line, parsed, for tests and benchmarks. */
export class LogCapture implements DestinationStream {
  readonly lines: Record<string, unknown>[] = [];

  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }
}
