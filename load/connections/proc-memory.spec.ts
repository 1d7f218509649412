import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findApiProcess, listeningInode, maxOpenFiles, readMemory, statusKb } from './proc-memory';

const STATUS = 'Name:\tnode\nVmHWM:\t  300000 kB\nVmRSS:\t  204800 kB\nThreads:\t11\n';
const LIMITS =
  'Limit                     Soft Limit           Hard Limit           Units     \n' +
  'Max processes             63704                63704                processes \n' +
  'Max open files            20000                1048576              files     \n';
// Port 3602 is 0x0E12; 0A is LISTEN, 01 ESTABLISHED.
const TCP =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
  '   0: 00000000:0E12 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5555 1\n' +
  '   1: 0100007F:0E12 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 6666 1\n' +
  '   2: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 7777 1\n';

function fakeProc(apis: { pid: number; sockets: number[] }[]): string {
  const root = mkdtempSync(join(tmpdir(), 'proc-'));
  mkdirSync(join(root, 'net'));
  writeFileSync(join(root, 'net', 'tcp'), TCP);
  for (const { pid, sockets } of apis) {
    const dir = join(root, String(pid));
    mkdirSync(join(dir, 'fd'), { recursive: true });
    writeFileSync(join(dir, 'cmdline'), ['node', '/x/dist/apps/api/src/main.js'].join('\0'));
    writeFileSync(join(dir, 'comm'), 'node\n');
    writeFileSync(join(dir, 'status'), STATUS);
    writeFileSync(join(dir, 'limits'), LIMITS);
    sockets.forEach((inode, fd) => symlinkSync(`socket:[${inode}]`, join(dir, 'fd', String(fd + 3))));
  }
  return root;
}

describe('reading an api process from /proc', () => {
  it('reads VmRSS and VmHWM as bytes, and the soft open-file limit', () => {
    expect(statusKb(STATUS, 'VmRSS')).toBe(204800 * 1024);
    expect(statusKb(STATUS, 'VmSwap')).toBeUndefined();
    expect(maxOpenFiles(LIMITS)).toBe(20000);
    expect(maxOpenFiles('Max open files            unlimited            unlimited            files\n')).toBe(
      Infinity,
    );
  });

  it('finds the inode of the socket listening on a port, not a connection on it', () => {
    expect(listeningInode(TCP, 3602)).toBe(5555);
    expect(listeningInode(TCP, 3000)).toBe(7777);
    expect(listeningInode(TCP, 4000)).toBeUndefined();
  });

  it('of several api processes, picks the one listening on the port', () => {
    const proc = fakeProc([
      { pid: 101, sockets: [7777] },
      { pid: 202, sockets: [6666, 5555] },
    ]);
    expect(findApiProcess(3602, proc)).toEqual({ pid: 202, maxOpenFiles: 20000, foundBy: 'listening port' });
    expect(findApiProcess(3000, proc)?.pid).toBe(101);
    // No api listens on 4000, and there are two to choose from: none is guessed.
    expect(findApiProcess(4000, proc)).toBeUndefined();
    expect(readMemory(202, proc)).toEqual({
      rssBytes: 204800 * 1024,
      peakRssBytes: 300000 * 1024,
      openFds: 2,
    });
  });

  it('takes the only api process when no socket matches', () => {
    const proc = fakeProc([{ pid: 303, sockets: [] }]);
    expect(findApiProcess(3602, proc)).toMatchObject({ pid: 303, foundBy: 'only api process' });
  });
});
