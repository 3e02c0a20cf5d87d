import { describe, expect, it } from 'vitest';
import {
  connectWindowOptions,
  remoteWindowOptions,
} from '../../../../electron/remote/remote-window.js';
import { stationPartition } from '../../../../electron/remote/station-url.js';

const pin = `SHA256:${'AB:'.repeat(31)}AB`;
const san1 = { url: 'https://san1.example:8443', fingerprint: pin };
const san2 = { url: 'https://san2.example:8443', fingerprint: pin };

describe('remoteWindowOptions', () => {
  it('isolates the station page: no preload, sandbox and context isolation on, Node off', () => {
    const options = remoteWindowOptions(san1);
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(options.webPreferences).not.toHaveProperty('preload');
    expect(options.webPreferences).not.toHaveProperty('session');
  });

  it('gives each station its own persistent partition', () => {
    const a = remoteWindowOptions(san1).webPreferences?.partition;
    const b = remoteWindowOptions(san2).webPreferences?.partition;
    expect(a).toBe(stationPartition(san1));
    expect(a).toMatch(/^persist:station-[0-9a-f]+$/);
    expect(b).toMatch(/^persist:station-[0-9a-f]+$/);
    expect(a).not.toBe(b);
  });

  it('names the station in the title and shows only when ready', () => {
    const options = remoteWindowOptions(san1);
    expect(options.title).toBe('dvsan — https://san1.example:8443');
    expect(options.show).toBe(false);
  });
});

describe('connectWindowOptions', () => {
  it('uses the connect preload, sandboxed and isolated, in the default session', () => {
    const web = connectWindowOptions('/opt/dvsan/dist/electron/connect-preload.cjs').webPreferences;
    expect(web).toMatchObject({
      preload: '/opt/dvsan/dist/electron/connect-preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
    expect(web).not.toHaveProperty('partition');
  });
});
