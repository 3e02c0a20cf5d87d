import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  forgetStation,
  loadRememberedStations,
  maxRemembered,
  rememberedStationsFileName,
  rememberStation,
  saveRememberedStations,
} from '../../../../electron/remote/remembered.js';

const pin = (byte: string): string => `SHA256:${`${byte}:`.repeat(31)}${byte}`;
const san1 = { url: 'https://san1.example:8443', fingerprint: pin('AB') };
const san2 = { url: 'https://san2.example:8443', fingerprint: pin('CD') };
const local = { url: 'http://127.0.0.1:8080' };

let dir = '';
let file = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dvsan-remembered-'));
  file = join(dir, rememberedStationsFileName);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('remembered stations file', () => {
  it('round-trips URL and fingerprint, and nothing else, in a private file', async () => {
    const sneaky = { ...san1, password: 'hunter2' } as typeof san1;
    await saveRememberedStations(file, [sneaky, local]);
    expect(await loadRememberedStations(file)).toEqual({ stations: [san1, local], problem: null });
    expect(readFileSync(file, 'utf8')).not.toContain('hunter2');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([rememberedStationsFileName]); // no temp file left
  });

  it('treats a missing file as an empty list', async () => {
    expect(await loadRememberedStations(file)).toEqual({ stations: [], problem: null });
  });

  it.each([
    ['not JSON', '{"stations": [', /is not JSON/],
    ['no list', '{"version": 1}', /has no "stations" list/],
    ['null', 'null', /has no "stations" list/],
  ])('ignores a corrupt file (%s) and says why', async (_label, text, problem) => {
    writeFileSync(file, text);
    const loaded = await loadRememberedStations(file);
    expect(loaded.stations).toEqual([]);
    expect(loaded.problem).toMatch(problem);
  });

  it('keeps the good entries and skips bad ones (re-checked like typed input)', async () => {
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        stations: [
          { url: 'HTTPS://SAN1.example:8443/', fingerprint: san1.fingerprint.toLowerCase() },
          { url: 'http://san9.example' }, // plain http off loopback
          { url: 'https://u:p@san3.example', fingerprint: pin('EF') }, // credentials
          { url: 'https://san4.example' }, // https without a pin
          { url: 'https://san1.example:8443', fingerprint: pin('EF') }, // duplicate URL
          'https://san5.example',
          local,
        ],
      }),
    );
    const loaded = await loadRememberedStations(file);
    expect(loaded.stations).toEqual([san1, local]);
    expect(loaded.problem).toMatch(/5 unusable entries skipped/);
  });

  it('reports an unreadable path instead of throwing', async () => {
    const loaded = await loadRememberedStations(dir); // a directory, not a file
    expect(loaded.stations).toEqual([]);
    expect(loaded.problem).toMatch(/could not be read/);
  });

  it('replaces an old file whole', async () => {
    await saveRememberedStations(file, [san1, san2]);
    await saveRememberedStations(file, [san2]);
    expect((await loadRememberedStations(file)).stations).toEqual([san2]);
  });
});

describe('remember / forget', () => {
  it('puts the latest first and replaces the entry for the same URL (a new pin)', () => {
    const repinned = { ...san1, fingerprint: pin('EF') };
    expect(rememberStation([san1, san2], san2)).toEqual([san2, san1]);
    expect(rememberStation([san1, san2], repinned)).toEqual([repinned, san2]);
  });

  it(`keeps at most ${maxRemembered}`, () => {
    let list: { url: string; fingerprint?: string }[] = [];
    for (let i = 0; i < maxRemembered + 5; i += 1)
      list = rememberStation(list, { url: `http://127.0.0.${i + 1}:8080` });
    expect(list).toHaveLength(maxRemembered);
    expect(list[0]?.url).toBe(`http://127.0.0.${maxRemembered + 5}:8080`);
  });

  it('forgets by URL', () => {
    expect(forgetStation([san1, san2, local], san2.url)).toEqual([san1, local]);
    expect(forgetStation([san1], 'https://nowhere.example')).toEqual([san1]);
  });
});
