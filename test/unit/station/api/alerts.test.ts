// Alert acknowledgement through the real dispatcher and database: warning and critical events
// are acknowledged by the caller, streamed as 'event.updated', and drop out of the open list;
// bad ids refuse the whole call and change nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DvsanError, StationClient, type StationEvent } from '../../../../protocol/index.js';
import { parseEventIds } from '../../../../station/cli/alert-commands.js';
import { Database } from '../../../../station/db/database.js';
import { EventsRepo } from '../../../../station/db/events-repo.js';
import { createStation, type Station } from '../../../../station/index.js';
import { createLogger } from '../../../../station/log.js';

let station: Station | undefined;
afterEach(async () => {
  await station?.close();
  station = undefined;
});

/** A station whose log holds: 1 info, 2 warning, 3 critical, 4 warning. */
async function stationWithEvents() {
  const dataDir = mkdtempSync(join(tmpdir(), 'dvsan-alerts-'));
  const db = await Database.open(join(dataDir, 'station.db'));
  const repo = new EventsRepo(db);
  const severities = ['info', 'warning', 'critical', 'warning'] as const;
  for (const [i, severity] of severities.entries())
    await repo.add({
      at: `2026-11-26T00:00:0${i}.000Z`,
      severity,
      kind: 'test',
      nodeId: null,
      message: `event ${i + 1}`,
      details: null,
    });
  await db.close();
  station = await createStation({ dataDir, log: createLogger('silent') });
  const streamed: StationEvent[] = [];
  station.transport.subscribe((e) => streamed.push(e));
  return { client: new StationClient(station.transport), streamed };
}

const ids = (records: { id: number }[]) => records.map((r) => r.id);

describe('event/acknowledge', () => {
  it('acknowledges alerts for the caller, streams each change once, and keeps the first ack', async () => {
    const { client, streamed } = await stationWithEvents();
    expect(ids(await client.call('event/list', { openAlerts: true }))).toEqual([4, 3, 2]);

    const acked = await client.call('event/acknowledge', { ids: [2, 3, 3] });
    expect(ids(acked)).toEqual([3, 2]);
    for (const e of acked) {
      expect(e.acknowledgedBy).toBe('local');
      expect(Date.parse(e.acknowledgedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(streamed.map((e) => e.type)).toEqual(['event.updated', 'event.updated']);
    expect(ids(await client.call('event/list', { openAlerts: true }))).toEqual([4]);
    const all = await client.call('event/list', {});
    expect(all.find((e) => e.id === 1)).toMatchObject({ acknowledgedAt: null });

    // Again, with one still open: only that one changes; the others keep their first time.
    const again = await client.call('event/acknowledge', { ids: [2, 4] });
    expect(again.find((e) => e.id === 2)?.acknowledgedAt).toBe(acked[1]?.acknowledgedAt);
    expect(streamed.filter((e) => e.type === 'event.updated')).toHaveLength(3);
    expect(await client.call('event/list', { openAlerts: true })).toEqual([]);
  });

  it('refuses an unknown id, naming it, and acknowledges nothing', async () => {
    const { client, streamed } = await stationWithEvents();
    const err = await client.call('event/acknowledge', { ids: [2, 99] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DvsanError);
    expect(err).toMatchObject({ code: 'not-found', message: 'no event with id 99' });
    expect(ids(await client.call('event/list', { openAlerts: true }))).toEqual([4, 3, 2]);
    expect(streamed).toEqual([]);
  });

  it('refuses an info event: it is not an alert, and nothing changes', async () => {
    const { client } = await stationWithEvents();
    await expect(client.call('event/acknowledge', { ids: [1, 3] })).rejects.toMatchObject({
      code: 'invalid-params',
      message: expect.stringMatching(/event 1 is info, not an alert/),
    });
    expect(ids(await client.call('event/list', { openAlerts: true }))).toEqual([4, 3, 2]);
  });

  it.each([[[]], [[0]], [[1.5]], [['2']]])('refuses ids %j by the schema', async (bad) => {
    const { client } = await stationWithEvents();
    await expect(client.call('event/acknowledge', { ids: bad as number[] })).rejects.toMatchObject({
      code: 'invalid-params',
      message: expect.stringMatching(/^ids/),
    });
  });
});

describe('dvsan events ack: id arguments', () => {
  it('takes whole positive numbers', () => {
    expect(parseEventIds(['3', '12'])).toEqual([3, 12]);
  });
  it.each(['0', '-1', 'abc', '1e3', '2.5', ''])('refuses %j with what to use instead', (arg) => {
    expect(() => parseEventIds([arg])).toThrow(/is not an event id: use the number/);
  });
});
