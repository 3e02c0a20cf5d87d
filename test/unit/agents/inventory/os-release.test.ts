import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOsRelease, readOsInfo } from '../../../../agents/inventory/os-release.js';

const debian12 = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

const rocky9 = `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ANSI_COLOR="0;32"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:rocky:rocky:9::baseos"
HOME_URL="https://rockylinux.org/"
# a comment line
REDHAT_SUPPORT_PRODUCT_VERSION="9.3"
`;

describe('parseOsRelease', () => {
  it('reads Debian 12', () => {
    const fields = parseOsRelease(debian12);
    expect(fields).toMatchObject({
      ID: 'debian',
      VERSION_ID: '12',
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
      VERSION_CODENAME: 'bookworm',
    });
  });

  it('reads Rocky 9 with quoted ids and comments', () => {
    const fields = parseOsRelease(rocky9);
    expect(fields).toMatchObject({
      ID: 'rocky',
      VERSION_ID: '9.3',
      ID_LIKE: 'rhel centos fedora',
      PRETTY_NAME: 'Rocky Linux 9.3 (Blue Onyx)',
    });
    expect(Object.keys(fields)).not.toContain('#');
  });

  it('handles single quotes, escapes, CRLF and junk lines', () => {
    const fields = parseOsRelease(
      'ID=\'alpine\'\r\nNAME="Say \\"hi\\" \\$HOME"\r\nnot a field\n=nokey\nVARIANT=Server\\ Edition\n',
    );
    expect(fields).toEqual({ ID: 'alpine', NAME: 'Say "hi" $HOME', VARIANT: 'Server Edition' });
  });
});

describe('readOsInfo', () => {
  it('falls back to the next path and fills kernel and arch from os', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dvsan-osrel-'));
    const file = path.join(dir, 'os-release');
    await writeFile(file, rocky9);
    const info = await readOsInfo([path.join(dir, 'missing'), file]);
    expect(info).toEqual({
      id: 'rocky',
      version: '9.3',
      prettyName: 'Rocky Linux 9.3 (Blue Onyx)',
      kernel: os.release(),
      arch: os.arch(),
    });
  });

  it('answers with defaults when no os-release exists', async () => {
    const info = await readOsInfo(['/nonexistent/os-release']);
    expect(info).toMatchObject({ id: 'linux', version: '', prettyName: 'Linux' });
  });
});
