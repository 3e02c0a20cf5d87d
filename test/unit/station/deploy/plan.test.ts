import { describe, expect, it } from 'vitest';
import {
  nodeMajor,
  parseProbe,
  planDeploy,
  type ProbeFacts,
} from '../../../../station/deploy/plan.js';

const facts = (over: Partial<ProbeFacts> = {}): ProbeFacts => ({
  currentNode: null,
  nodePath: '/usr/bin/node',
  nodeVersion: 'v20.1.0',
  runtimeVersion: null,
  arch: 'x86_64',
  uid: 0,
  freeKb: 10_000_000,
  writable: true,
  ...over,
});
const agent = { size: 500_000 };
const runtime = { version: 'v20.20.2', size: 99_000_000 };
const input = (f: ProbeFacts, rt: typeof runtime | null = runtime) => ({
  facts: f,
  agent,
  runtime: rt,
  runtimeNodePath: '/opt/dvsan/runtime/node-v20.20.2/bin/node',
});

describe('parseProbe', () => {
  it('reads key=value lines and a current agent', () => {
    const text = `current=/usr/bin/node\nnode=/usr/bin/node\nnodeversion=v20.1.0\narch=x86_64\nuid=0\nfreekb=1234\nwritable=yes\n`;
    const f = parseProbe(text);
    expect(f.currentNode).toBe('/usr/bin/node');
    expect(f).toMatchObject({
      nodePath: '/usr/bin/node',
      nodeVersion: 'v20.1.0',
      freeKb: 1234,
      writable: true,
      uid: 0,
    });
  });
  it('ignores node paths with shell characters', () => {
    const f = parseProbe(
      'current=/x$(id)\nnode=/tmp/x;rm -rf /\narch=x86_64\nuid=0\nfreekb=1\nwritable=no\n',
    );
    expect(f.currentNode).toBeNull();
    expect(f.nodePath).toBeNull();
  });
  it('rejects output that is not a probe answer', () => {
    expect(() => parseProbe('Welcome to BusyBox\n')).toThrow(/unreadable/);
  });
});

describe('planDeploy', () => {
  it('does nothing when the same agent verifies', () => {
    expect(planDeploy(input(facts({ currentNode: '/usr/bin/node' })))).toEqual({
      action: 'current',
      nodePath: '/usr/bin/node',
    });
  });
  it("uses the node's own Node when it is new enough", () => {
    expect(planDeploy(input(facts()))).toEqual({
      action: 'install',
      pushRuntime: false,
      nodePath: '/usr/bin/node',
    });
  });
  it('pushes the runtime when Node is missing or too old', () => {
    for (const f of [
      facts({ nodePath: null, nodeVersion: null }),
      facts({ nodeVersion: 'v16.20.0' }),
    ]) {
      expect(planDeploy(input(f))).toMatchObject({
        pushRuntime: true,
        nodePath: '/opt/dvsan/runtime/node-v20.20.2/bin/node',
      });
    }
  });
  it('reuses a runtime pushed before', () => {
    expect(planDeploy(input(facts({ nodePath: null, runtimeVersion: 'v20.20.2' })))).toMatchObject({
      pushRuntime: false,
    });
  });
  it('fails clearly without Node and without a runtime to push', () => {
    expect(() => planDeploy(input(facts({ nodePath: null }), null))).toThrow(
      expect.objectContaining({ code: 'no-node-runtime' }),
    );
    expect(() => planDeploy(input(facts({ nodePath: null, arch: 'aarch64' })))).toThrow(/aarch64/);
  });
  it('refuses before sending anything when the disk is too full', () => {
    expect(() => planDeploy(input(facts({ freeKb: 100 })))).toThrow(
      expect.objectContaining({ code: 'disk-full' }),
    );
    expect(() => planDeploy(input(facts({ nodePath: null, freeKb: 50_000 })))).toThrow(
      expect.objectContaining({ code: 'disk-full' }),
    );
  });
  it('explains a user that cannot write /opt/dvsan', () => {
    expect(() => planDeploy(input(facts({ writable: false })))).toThrow(/sudoers/);
  });
  it('reads major versions', () => {
    expect(nodeMajor('v18.19.0')).toBe(18);
    expect(nodeMajor(null)).toBe(0);
  });
});
