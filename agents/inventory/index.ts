import os from 'node:os';
import type { Inventory } from '../../protocol/inventory.js';
import { agentVersion } from '../version.js';
import { dataDirPath, dataDirSpace } from './data-dir.js';
import { listDisks } from './lsblk.js';
import { listNics } from './nics.js';
import { readOsInfo } from './os-release.js';
import { findTools } from './tools.js';

export { parseOsRelease, readOsInfo } from './os-release.js';
export { parseLsblk, listDisks } from './lsblk.js';
export { parseSpeed, nicsFrom, listNics } from './nics.js';
export { findTool, findTools, toolSearchDirs } from './tools.js';
export { dataDirPath, dataDirSpace, measureDir, parseDfPosix } from './data-dir.js';

/**
 * The answer to `node.inventory`: the node as this agent sees it. `initiator` reports the
 * host's iSCSI initiator (agents/initiators); a failure there leaves the field null.
 */
export async function collectInventory(
  env: NodeJS.ProcessEnv = process.env,
  initiator: () => Promise<Inventory['initiator']> = async () => null,
): Promise<Inventory> {
  const tools = await findTools(env.PATH);
  const [osInfo, nics, disks, dataDir, initiatorInfo] = await Promise.all([
    readOsInfo(),
    listNics(),
    listDisks(tools.lsblk),
    dataDirSpace(dataDirPath(env)),
    initiator().catch(() => null),
  ]);
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    os: osInfo,
    // Some ARM kernels and containers expose no /proc/cpuinfo entries; one core is the floor.
    cpu: { model: cpus[0]?.model.trim() || 'unknown', cores: Math.max(cpus.length, 1) },
    memoryBytes: os.totalmem(),
    nics,
    disks,
    dataDir,
    tools,
    agent: { version: agentVersion, node: process.version },
    initiator: initiatorInfo ?? null,
  };
}
