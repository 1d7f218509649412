import { getAddress } from 'ethers';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { reportDataForAddress } from './address-binding';

/** Where Linux (6.7+) mounts the configfs-tsm report interface (Documentation/ABI/testing/configfs-tsm-report). */
export const DEFAULT_TSM_ROOT = '/sys/kernel/config/tsm/report';
const TDX_PROVIDER = 'tdx_guest';
const REPORT_DATA_BYTES = 64;
/** One retry: a second writer racing us twice in a row is a setup problem to report, not to spin on. */
const ATTEMPTS = 2;

/** The few file operations used, so a spec can play another writer between two of them; node:fs by default. */
export interface TsmIo {
  mkdir(path: string): Promise<unknown>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  rmdir(path: string): Promise<void>;
}

const NODE_FS: TsmIo = {
  mkdir: (path) => fs.mkdir(path),
  writeFile: (path, data) => fs.writeFile(path, data),
  readFile: (path) => fs.readFile(path),
  rmdir: (path) => fs.rmdir(path),
};

/** Every failure to obtain a quote, with a message an operator can act on. */
export class TsmReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface TsmQuote {
  /** The raw quote (outblob): for tdx_guest, a DCAP quote v4. */
  quote: Buffer;
  provider: string;
  /** The entry's generation when the quote was read. */
  generation: number;
  /** Why the entry could not be removed (it is reused next time), or undefined when it was. */
  leftover?: string;
}

export interface TsmReportOptions {
  root?: string;
  io?: TsmIo;
}

/**
 * The entry is named after the key, not at random: a node that crashed before removing it finds and reuses it
 * instead of leaking one kernel object per run, and a stand-in directory (tests, docs) can pre-create it with the
 * files configfs would make. Another writer on the same entry is caught by the generation check.
 */
export function tsmEntryName(address: string): string {
  return `twinproof-${getAddress(address).slice(2).toLowerCase()}`;
}

/** A TDX quote whose 64-byte report data binds `address` (address ‖ zeros: address-binding.ts). */
export async function tdxQuoteForAddress(address: string, options: TsmReportOptions = {}): Promise<TsmQuote> {
  const root = options.root ?? DEFAULT_TSM_ROOT;
  return tsmReport(root, tsmEntryName(address), reportDataForAddress(address), options.io ?? NODE_FS);
}

async function tsmReport(root: string, name: string, reportData: Uint8Array, io: TsmIo): Promise<TsmQuote> {
  if (reportData.length !== REPORT_DATA_BYTES)
    throw new TsmReportError(`report data must be ${REPORT_DATA_BYTES} bytes, not ${reportData.length}`);
  const entry = join(root, name);
  await createEntry(root, entry, io);
  let quote: Omit<TsmQuote, 'leftover'> | undefined;
  try {
    for (let attempt = 1; attempt <= ATTEMPTS && !quote; attempt++)
      quote = await readOnce(entry, reportData, io);
  } catch (error) {
    // Removed after a failure too; the failure is what the caller needs to hear, not a cleanup problem.
    await removeEntry(entry, io);
    throw error;
  }
  const leftover = await removeEntry(entry, io);
  if (!quote)
    throw new TsmReportError(
      `another process kept writing ${entry} while the quote was read (its generation changed on ${ATTEMPTS} tries); ` +
        'give this node a TSM report entry of its own',
    );
  return leftover ? { ...quote, leftover } : quote;
}

async function createEntry(root: string, entry: string, io: TsmIo): Promise<void> {
  try {
    await io.mkdir(entry);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'EEXIST') return; // left by an earlier run of this node: reused (see tsmEntryName)
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new TsmReportError(
        `no TSM report interface at ${root} (not a TDX guest, or configfs not mounted: mount -t configfs none /sys/kernel/config)`,
      );
    throw new TsmReportError(`cannot create the TSM report entry ${entry}: ${messageOf(error)}`);
  }
}

/** One write-then-read; undefined when the generation moved between them (another writer's report data). */
async function readOnce(
  entry: string,
  reportData: Uint8Array,
  io: TsmIo,
): Promise<Omit<TsmQuote, 'leftover'> | undefined> {
  const provider = (await readAttribute(entry, 'provider', io)).toString('utf8').trim();
  if (provider !== TDX_PROVIDER)
    throw new TsmReportError(
      `unsupported TSM provider "${provider}" at ${entry}: only ${TDX_PROVIDER} (Intel TDX) quotes are supported`,
    );
  try {
    await io.writeFile(join(entry, 'inblob'), reportData);
  } catch (error) {
    throw new TsmReportError(`cannot write the report data to ${join(entry, 'inblob')}: ${messageOf(error)}`);
  }
  const before = await readGeneration(entry, io);
  const quote = await readAttribute(entry, 'outblob', io);
  const after = await readGeneration(entry, io);
  if (after !== before) return undefined;
  if (quote.length === 0)
    throw new TsmReportError(`${join(entry, 'outblob')} is empty: the TSM made no quote`);
  return { quote, provider, generation: after };
}

async function readGeneration(entry: string, io: TsmIo): Promise<number> {
  const text = (await readAttribute(entry, 'generation', io)).toString('utf8').trim();
  const generation = Number(text);
  if (!Number.isSafeInteger(generation))
    throw new TsmReportError(`${join(entry, 'generation')} holds "${text}", not a number`);
  return generation;
}

async function readAttribute(entry: string, attribute: string, io: TsmIo): Promise<Buffer> {
  try {
    return await io.readFile(join(entry, attribute));
  } catch (error) {
    const path = join(entry, attribute);
    if (errnoOf(error) === 'ENOENT')
      throw new TsmReportError(`no ${path}: ${entry} is not a configfs-tsm report entry`);
    // The guest asks the host for the quote (TDX: the host's Quote Generation Service); its failure surfaces here.
    const hint =
      attribute === 'outblob' ? ': the TSM made no quote (TDX: is the host’s quote service running?)' : '';
    throw new TsmReportError(`cannot read ${path} (${messageOf(error)})${hint}`);
  }
}

async function removeEntry(entry: string, io: TsmIo): Promise<string | undefined> {
  try {
    await io.rmdir(entry);
    return undefined;
  } catch (error) {
    return `${entry} was not removed (${messageOf(error)})`;
  }
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
