import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recentErrorLine } from '../../../../agents/initiators/userspace.js';

describe("qemu-storage-daemon's log in the health check", () => {
  const log = join(mkdtempSync(join(tmpdir(), 'dvsan-qsd-')), 'qsd.log');

  it('names the latest error line while the log is being written', async () => {
    writeFileSync(log, 'started\niSCSI: reconnect failed\nlibiscsi: Failed to connect\n');
    expect(await recentErrorLine(log)).toBe('libiscsi: Failed to connect');
  });

  it('forgets errors once the log has been quiet for half a minute (the unit came back)', async () => {
    writeFileSync(log, 'iSCSI: reconnect failed\n');
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(log, old, old);
    expect(await recentErrorLine(log)).toBeNull();
  });

  it('has nothing to say without a log', async () => {
    expect(await recentErrorLine(join(tmpdir(), 'dvsan-no-such-qsd.log'))).toBeNull();
  });
});
