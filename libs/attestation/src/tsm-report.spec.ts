import { Wallet } from 'ethers';
import * as fs from 'node:fs/promises';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureBytes } from '../test-fixtures/fixtures';
import { reportDataForAddress } from './address-binding';
import { tdxQuoteForAddress, TsmIo, TsmReportError } from './tsm-report';
import { createTsmStandIn, TsmStandIn } from './tsm-report-stand-in';

// No TDX guest here: these run against a stand-in directory serving the public sample quote (test-fixtures/).
const SAMPLE_QUOTE = fixtureBytes('tdx_quote');
const address = Wallet.createRandom().address;

/** node:fs, with a hook run before each file read, so a test can play a second writer between two reads. */
function ioWith(beforeRead: (path: string) => void): TsmIo & { removed: string[] } {
  const removed: string[] = [];
  return {
    removed,
    mkdir: (path) => fs.mkdir(path),
    writeFile: (path, data) => fs.writeFile(path, data),
    readFile: (path) => {
      beforeRead(path);
      return fs.readFile(path);
    },
    rmdir: async (path) => {
      removed.push(path);
      await fs.rmdir(path);
    },
  };
}

describe('tdxQuoteForAddress (configfs-tsm, against a stand-in directory)', () => {
  let standIn: TsmStandIn;
  afterEach(() => rmSync(standIn.root, { recursive: true, force: true }));

  it('writes the 64-byte report data binding the address to inblob and returns the quote from outblob', async () => {
    standIn = createTsmStandIn(address, SAMPLE_QUOTE, { generation: 7 });
    const io = ioWith(() => undefined);
    const result = await tdxQuoteForAddress(address, { root: standIn.root, io });
    expect(result.quote.equals(SAMPLE_QUOTE)).toBe(true);
    expect(result.provider).toBe('tdx_guest');
    expect(result.generation).toBe(7);
    expect(new Uint8Array(readFileSync(join(standIn.entry, 'inblob')))).toEqual(
      reportDataForAddress(address),
    );
    // configfs removes an entry with rmdir; a plain directory refuses (it holds files), which is reported, not thrown.
    expect(io.removed).toEqual([standIn.entry]);
    expect(result.leftover).toMatch(/was not removed/);
  });

  it('refuses a TSM that is not a TDX guest, without writing the report data', async () => {
    standIn = createTsmStandIn(address, SAMPLE_QUOTE, { provider: 'sev_guest' });
    await expect(tdxQuoteForAddress(address, { root: standIn.root })).rejects.toThrow(
      new TsmReportError(
        `unsupported TSM provider "sev_guest" at ${standIn.entry}: only tdx_guest (Intel TDX) quotes are supported`,
      ),
    );
    expect(existsSync(join(standIn.entry, 'inblob'))).toBe(false);
  });

  it('says plainly when there is no TSM report interface', async () => {
    standIn = createTsmStandIn(address, SAMPLE_QUOTE);
    const root = join(standIn.root, 'missing');
    await expect(tdxQuoteForAddress(address, { root })).rejects.toThrow(
      `no TSM report interface at ${root} (not a TDX guest, or configfs not mounted`,
    );
  });

  it('retries once when another writer changed the generation between its write and its read', async () => {
    standIn = createTsmStandIn(address, SAMPLE_QUOTE, { generation: 1 });
    let races = 1;
    const io = ioWith((path) => {
      if (path.endsWith('outblob') && races-- > 0) writeFileSync(join(standIn.entry, 'generation'), '2\n');
    });
    const result = await tdxQuoteForAddress(address, { root: standIn.root, io });
    expect(result.generation).toBe(2);
    expect(result.quote.equals(SAMPLE_QUOTE)).toBe(true);
  });

  it('fails clearly, and removes its entry, when the generation changes on every try', async () => {
    standIn = createTsmStandIn(address, SAMPLE_QUOTE, { generation: 1 });
    let generation = 1;
    const io = ioWith((path) => {
      if (path.endsWith('outblob')) writeFileSync(join(standIn.entry, 'generation'), `${++generation}\n`);
    });
    await expect(tdxQuoteForAddress(address, { root: standIn.root, io })).rejects.toThrow(
      /another process kept writing .* \(its generation changed on 2 tries\)/,
    );
    expect(io.removed).toEqual([standIn.entry]);
  });

  it('names the host’s quote service when reading the quote fails, and a missing attribute plainly', async () => {
    standIn = createTsmStandIn(address, SAMPLE_QUOTE);
    const io = ioWith((path) => {
      if (path.endsWith('outblob')) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    });
    await expect(tdxQuoteForAddress(address, { root: standIn.root, io })).rejects.toThrow(
      `cannot read ${join(standIn.entry, 'outblob')} (EIO: i/o error): the TSM made no quote (TDX: is the host’s quote service running?)`,
    );
    rmSync(join(standIn.entry, 'generation'));
    await expect(tdxQuoteForAddress(address, { root: standIn.root })).rejects.toThrow(
      `no ${join(standIn.entry, 'generation')}: ${standIn.entry} is not a configfs-tsm report entry`,
    );
  });

  it('refuses an empty outblob instead of returning no quote', async () => {
    standIn = createTsmStandIn(address, new Uint8Array());
    await expect(tdxQuoteForAddress(address, { root: standIn.root })).rejects.toThrow(/outblob is empty/);
  });
});
