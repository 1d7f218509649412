import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsmEntryName } from './tsm-report';

export interface TsmStandIn {
  root: string;
  entry: string;
}

/**
 * A plain directory laid out as configfs-tsm lays out a report entry after `mkdir` (provider, generation, outblob),
 * for tests and demos where no TDX guest is at hand. Unlike configfs it cannot make a quote for the report data
 * written to it: it serves `quote` whatever that is, so a quote it serves never binds the caller's key.
 */
export function createTsmStandIn(
  address: string,
  quote: Uint8Array,
  { provider = 'tdx_guest', generation = 1 }: { provider?: string; generation?: number } = {},
): TsmStandIn {
  const root = mkdtempSync(join(tmpdir(), 'tsm-stand-in-'));
  const entry = join(root, tsmEntryName(address));
  mkdirSync(entry);
  writeFileSync(join(entry, 'provider'), `${provider}\n`);
  writeFileSync(join(entry, 'generation'), `${generation}\n`);
  writeFileSync(join(entry, 'outblob'), quote);
  return { root, entry };
}

// The public sample evidence a stand-in usually serves, for tests in other projects (they import libraries as
// @app/<lib>/<path>, never test-fixtures/ by a relative path).
export {
  collateralOf,
  fixtureBytes,
  PINNED_DATES,
  policyAt,
  sampleEvidence,
} from '../test-fixtures/fixtures';
