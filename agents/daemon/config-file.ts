import { readFile } from 'node:fs/promises';
import { agentConfigSchema, type AgentConfig } from '../../protocol/announce.js';
import { writeFileAtomic } from '../common/atomic-file.js';

export type ConfigRead = { ok: true; config: AgentConfig } | { ok: false; reason: string };

/** Reads and validates the daemon's settings; says why when they are missing or unusable. */
export async function readAgentConfig(file: string): Promise<ConfigRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      reason:
        code === 'ENOENT'
          ? `no settings at ${file} (agent.configure writes them)`
          : `cannot read ${file}: ${(err as Error).message}`,
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: `${file} is not valid JSON` };
  }
  const parsed = agentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    // Name the fields only: the values include the key.
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)');
    return {
      ok: false,
      reason: `${file} has invalid settings: ${[...new Set(fields)].join(', ')}`,
    };
  }
  return { ok: true, config: parsed.data };
}

/** The file's text, in a fixed key order so equal settings give equal bytes. */
export function renderAgentConfig(config: AgentConfig): string {
  const ordered: AgentConfig = {
    nodeId: config.nodeId,
    stationAddress: config.stationAddress,
    stationPort: config.stationPort,
    key: config.key,
    heartbeatSeconds: config.heartbeatSeconds,
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}

export function sameSettings(a: AgentConfig, b: AgentConfig): boolean {
  return renderAgentConfig(a) === renderAgentConfig(b);
}

/** 0600 and atomic: the file holds the HMAC key, and the daemon may read it at any moment. */
export function writeAgentConfig(file: string, config: AgentConfig): Promise<void> {
  return writeFileAtomic(file, renderAgentConfig(config), 0o600);
}
