// A headless station that asks for a login, over TLS, with a real lab unit: the console's login
// page, the rate limit, what a viewer sees and may do (nothing, even with a forged request), an
// operator creating a volume, and the audit log naming who did what from where.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../../protocol/index.js';
import { remoteTransport } from '../../station/cli/remote.js';
import { Database } from '../../station/db/database.js';
import { labDown, labUp, type LabState } from '../../station/lab/index.js';
import { launchChromium } from './browser.js';
import { deployLab } from '../shared/deploy-lab.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const prefix = 'dva';
const root = join(import.meta.dirname, '../..');
const cli = join(root, 'bin/dvsan.mjs');
// Pictures for the docs land with the other screenshots; copying one into docs/images is a
// deliberate step, so a test run never changes the tree.
const images = join(root, 'artifacts/screenshots');
const mib = 1024 * 1024;
const passwords = {
  ada: 'admin-password-1',
  oli: 'operator-password-1',
  vic: 'viewer-password-1',
  eve: 'viewer-password-2',
};
let lab: LabState;
let dataDir: string;
let serve: ChildProcess;
let url: string;
let fingerprint: string;
let admin: StationClient;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** `dvsan serve --require-login --tls` on loopback; resolves with its URL and fingerprint. */
function startServe(): Promise<void> {
  serve = spawn(
    process.execPath,
    [
      cli,
      '--data-dir',
      dataDir,
      'serve',
      '--require-login',
      '--tls',
      '--port',
      '7446',
      '--announce-port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DVSAN_LOG_LEVEL: 'warn' } },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const at = /console at (https:\/\/\S+)/.exec(output);
      const fp = /fingerprint (SHA256:[0-9A-F:]+)/.exec(output);
      if (!at || !fp) return;
      clearTimeout(timer);
      url = at[1]!;
      fingerprint = fp[1]!;
      resolve();
    };
    serve.stdout!.on('data', onData);
    serve.stderr!.on('data', onData);
    serve.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
}

async function newPage(): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 860 },
    // The station's own certificate: the CLI pins it; the browser is told to accept it.
    ignoreHTTPSErrors: true,
  });
  contexts.push(context);
  return context.newPage();
}

async function signIn(page: Page, user: keyof typeof passwords, password = passwords[user]) {
  await page.goto(url);
  await page.getByTestId('login-user').fill(user);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

/** A POST from inside the page, as a script injected into the console would send it. */
function post(page: Page, method: string, params: unknown, csrf: 'session' | 'none') {
  return page.evaluate(
    async ({ method, params, csrf }) => {
      const call = (m: string, p: unknown, headers: Record<string, string> = {}) =>
        fetch(`/api/call/${encodeURIComponent(m)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(p),
        });
      const me = (await (await call('session/me', {})).json()) as {
        result: { csrfToken: string };
      };
      const headers: Record<string, string> =
        csrf === 'session' ? { 'x-dvsan-csrf': me.result.csrfToken } : {};
      const res = await call(method, params, headers);
      return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
    },
    { method, params, csrf },
  );
}

const volumeNames = async () => (await admin.call('volume/list', {})).map((v) => v.name);

describe.skipIf(!isRoot)('headless station: login, roles, TLS, audit', () => {
  beforeAll(async () => {
    mkdirSync(images, { recursive: true });
    await labDown({ prefix });
    lab = await labUp({ units: 1, hosts: 0, prefix, subnet: '10.99.26' });
    dataDir = mkdtempSync(join(tmpdir(), 'dvsan-e2e-auth-'));

    // With login required and no user the station refuses to start, saying what to run.
    const refused = await run(process.execPath, [
      cli,
      '--data-dir',
      dataDir,
      'serve',
      '--require-login',
      '--port',
      '7446',
      '--announce-port',
      '0',
    ]).catch((err: { stderr: string }) => err);
    expect((refused as { stderr: string }).stderr).toMatch(/dvsan user add NAME --role admin/);

    const roles = { ada: 'admin', oli: 'operator', vic: 'viewer', eve: 'viewer' } as const;
    for (const [name, role] of Object.entries(roles))
      await run(
        process.execPath,
        [cli, '--data-dir', dataDir, 'user', 'add', name, '--role', role],
        {
          env: { ...process.env, DVSAN_NEW_PASSWORD: passwords[name as keyof typeof passwords] },
        },
      );
    await startServe();

    // The admin works through the remote CLI's transport: login + pinned certificate.
    process.env.DVSAN_PASSWORD = passwords.ada;
    admin = new StationClient(remoteTransport(url, { user: 'ada', fingerprint }));
    await deployLab(admin, lab);
    await admin.call('volume/create', { name: 'by-admin', sizeBytes: 64 * mib });
    delete process.env.DVSAN_PASSWORD;
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    delete process.env.DVSAN_PASSWORD;
    await browser?.close();
    if (serve && serve.exitCode === null) {
      const exited = new Promise((r) => serve.once('exit', r));
      serve.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (serve.exitCode === null) serve.kill('SIGKILL');
    }
    await labDown({ prefix });
  });

  it('refuses the remote CLI a certificate other than the pinned one, and an unpinned one', async () => {
    const wrong = `SHA256:${'00:'.repeat(31)}00`;
    const args = ['--station', url, '--user', 'ada', 'pool'];
    const env = { ...process.env, DVSAN_PASSWORD: passwords.ada };
    const pinnedWrong = await run(process.execPath, [cli, '--fingerprint', wrong, ...args], {
      env,
    }).catch((e: { stderr: string }) => e);
    expect(pinnedWrong.stderr).toMatch(/not the pinned/);
    const unpinned = await run(process.execPath, [cli, ...args], { env }).catch(
      (e: { stderr: string }) => e,
    );
    expect(unpinned.stderr).toMatch(/pin its certificate with --fingerprint/);
    const ok = await run(process.execPath, [cli, '--fingerprint', fingerprint, ...args, '--json'], {
      env,
    });
    expect(JSON.parse(ok.stdout).units).toHaveLength(1);
  });

  it('shows the login page and refuses a wrong password', async () => {
    const page = await newPage();
    await page.goto(url);
    await expect.poll(() => page.getByTestId('login-page').isVisible()).toBe(true);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(images, 'login-page.png') });
    await signIn(page, 'vic', 'not-the-password');
    await expect
      .poll(() => page.getByTestId('login-error').textContent())
      .toContain('wrong user name or password');
    await expect(page.getByTestId('login-page').isVisible()).resolves.toBe(true);
  });

  it('makes a name wait after five failed logins, even with the right password', async () => {
    const page = await newPage();
    for (let i = 0; i < 5; i++) {
      await signIn(page, 'eve', `wrong-password-${i}`);
      await expect
        .poll(() => page.getByTestId('login-error').textContent())
        .toContain('wrong user name or password');
    }
    await signIn(page, 'eve');
    await expect
      .poll(() => page.getByTestId('login-error').textContent())
      .toMatch(/too many failed logins: try again in (29|30) s/);
    await page.screenshot({ path: join(images, 'login-rate-limit.png') });
  });

  it('signs a viewer in with a Strict, HttpOnly, Secure cookie and shows no change buttons', async () => {
    const page = await newPage();
    await signIn(page, 'vic');
    await expect.poll(() => page.getByTestId('session-user').textContent()).toMatch(/vic\s*viewer/);
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({
      name: 'dvsan_session',
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
    });

    await page.goto(`${url}/#/nodes`);
    await expect.poll(() => page.getByTestId(`node-row-${prefix}-u1`).isVisible()).toBe(true);
    for (const id of ['add-node-button', `node-deploy-${prefix}-u1`, `node-remove-${prefix}-u1`])
      expect(await page.getByTestId(id).count(), id).toBe(0);
    await expect(page.getByTestId(`node-details-${prefix}-u1`).isVisible()).resolves.toBe(true);

    await page.goto(`${url}/#/volumes`);
    await expect.poll(() => page.getByTestId('volume-row-by-admin').isVisible()).toBe(true);
    for (const id of ['volume-create', 'volume-delete-by-admin', 'volume-export-by-admin'])
      expect(await page.getByTestId(id).count(), id).toBe(0);
    expect(await page.getByText('Users', { exact: true }).count()).toBe(0);
  });

  it('answers 403 to a viewer’s forged POST with a valid CSRF token, and creates nothing', async () => {
    const page = await newPage();
    await signIn(page, 'vic');
    await expect.poll(() => page.getByTestId('session-user').isVisible()).toBe(true);
    const answer = await post(
      page,
      'volume/create',
      { name: 'forged', sizeBytes: 64 * mib },
      'session',
    );
    expect(answer.status).toBe(403);
    expect(answer.body.error?.code).toBe('forbidden');
    expect(await volumeNames()).not.toContain('forged');
  });

  it('refuses a POST without the CSRF token, even from a role that may make the change', async () => {
    const page = await newPage();
    await signIn(page, 'oli');
    await expect.poll(() => page.getByTestId('session-user').isVisible()).toBe(true);
    const answer = await post(
      page,
      'volume/create',
      { name: 'no-token', sizeBytes: 64 * mib },
      'none',
    );
    expect(answer.status).toBe(403);
    expect(await volumeNames()).not.toContain('no-token');
  });

  it('lets an operator create a volume from the console', async () => {
    const page = await newPage();
    await signIn(page, 'oli');
    await page.goto(`${url}/#/volumes`);
    await page.getByTestId('volume-create').click();
    await page.getByTestId('create-volume-name').fill('by-operator');
    await page.getByTestId('create-volume-size').fill('1'); // GiB, a sparse file
    await page.getByTestId('create-volume-submit').click();
    await expect
      .poll(() => page.getByTestId('volume-row-by-operator').isVisible(), { timeout: 30_000 })
      .toBe(true);
    expect(await volumeNames()).toContain('by-operator');
    // An operator manages no nodes.
    await page.goto(`${url}/#/nodes`);
    await expect.poll(() => page.getByTestId(`node-row-${prefix}-u1`).isVisible()).toBe(true);
    expect(await page.getByTestId('add-node-button').count()).toBe(0);
  });

  it('lets an admin manage users on the Users page', async () => {
    const page = await newPage();
    await signIn(page, 'ada');
    await page.goto(`${url}/#/users`);
    await expect.poll(() => page.getByTestId('user-row-vic').isVisible()).toBe(true);
    await page.getByTestId('user-add').click();
    await page.getByTestId('user-add-name').fill('new-viewer');
    await page.getByTestId('user-add-password').fill('new-viewer-password');
    await page.getByTestId('user-add-submit').click();
    await expect.poll(() => page.getByTestId('user-row-new-viewer').isVisible()).toBe(true);
    expect((await admin.call('user/list', {})).map((u) => u.name)).toContain('new-viewer');
    await page.waitForTimeout(500); // the dialog fades out
    await page.screenshot({ path: join(images, 'users-page.png') });
    // The last admin cannot be demoted: the station says why.
    await page.getByTestId('user-role-ada').click();
    await page.locator('.n-base-select-option').getByText('viewer — read only').click();
    await expect.poll(() => page.textContent('body')).toMatch(/last admin/);
  });

  it('records who did what, when, from where and with what result', async () => {
    const db = await Database.open(join(dataDir, 'station.db'));
    try {
      const rows = await db.all<{
        user: string;
        action: string;
        source: string;
        result: string;
        details_json: string | null;
      }>('SELECT user, action, source, result, details_json FROM audit ORDER BY id');
      const has = (user: string, action: string, result: string) =>
        rows.some(
          (r) =>
            r.user === user &&
            r.action === action &&
            r.result === result &&
            r.source === 'http 127.0.0.1',
        );
      expect(has('ada', 'node/add', 'ok')).toBe(true);
      expect(has('vic', 'volume/create', 'failed')).toBe(true);
      expect(has('oli', 'volume/create', 'ok')).toBe(true);
      expect(has('ada', 'user/add', 'ok')).toBe(true);
      expect(has('vic', 'session/login', 'failed')).toBe(true);
      expect(has('eve', 'session/login', 'failed')).toBe(true);
      expect(has('oli', 'session/login', 'ok')).toBe(true);
      expect(rows.map((r) => r.action)).not.toContain('session/me');
      // user/add and login records never hold a password.
      expect(JSON.stringify(rows)).not.toMatch(/password-[12]/);
    } finally {
      await db.close();
    }
  });
});
