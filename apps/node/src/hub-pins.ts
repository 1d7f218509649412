import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { NodeOptions } from './node-options';
import { NODE_OPTIONS } from './node.tokens';

/** The api keeps at most this many pins per node (NodeHeartbeatDto). */
export const MAX_PINS = 10_000;

export interface PinnedFile {
  path: string;
  bytes: number;
}

/** SHA-256 of a file, read as a stream: hub models run to gigabytes. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * The hub artifacts this node pins (docs/hub.md, Pinning): every regular file in --hub-dir, hashed once at start and
 * known by its computed SHA-256, whatever its name. A file changed after start is caught when served (the stream is
 * not re-hashed, but its size is checked); restart the node to pick up new files.
 */
@Injectable()
export class HubPins implements OnModuleInit {
  private readonly logger = new Logger(HubPins.name);
  private readonly files = new Map<string, PinnedFile>();

  constructor(@Inject(NODE_OPTIONS) private readonly options: NodeOptions) {}

  async onModuleInit(): Promise<void> {
    const dir = this.options.hubDir;
    if (!dir) return;
    const names = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort();
    for (const name of names) {
      if (this.files.size >= MAX_PINS) {
        this.logger.warn(`--hub-dir holds more than ${MAX_PINS} files: the rest are not pinned`);
        break;
      }
      const path = join(dir, name);
      const [sha256, info] = await Promise.all([sha256OfFile(path), stat(path)]);
      if (/^[0-9a-f]{64}$/.test(name) && name !== sha256)
        this.logger.warn(`${name} in --hub-dir hashes to ${sha256}: pinned under its real hash`);
      this.files.set(sha256, { path, bytes: info.size });
    }
    this.logger.log(`Pinning ${this.files.size} hub artifacts from ${dir}`);
  }

  /** undefined when the node was started without --hub-dir: its heartbeats then say nothing about pins. */
  list(): string[] | undefined {
    return this.options.hubDir === undefined ? undefined : [...this.files.keys()].sort();
  }

  find(sha256: string): PinnedFile | undefined {
    return this.files.get(sha256);
  }
}
