import { DvsanError } from '../../protocol/index.js';
import type { NodeRecord } from '../db/nodes-repo.js';
import type { SecretBox } from '../secrets.js';
import type { ConnectOptions, SshAuth } from '../ssh/session.js';

/** Passwords the admin chose not to save: kept in memory only, gone at restart. */
export class MemorySecrets {
  private readonly byNode = new Map<string, string>();
  set(nodeId: string, password: string): void {
    this.byNode.set(nodeId, password);
  }
  get(nodeId: string): string | undefined {
    return this.byNode.get(nodeId);
  }
  delete(nodeId: string): void {
    this.byNode.delete(nodeId);
  }
}

/** Builds the SSH options for a stored node, refusing keys the admin has not confirmed. */
export function connectOptionsFor(
  node: NodeRecord,
  secrets: SecretBox,
  memory: MemorySecrets,
): ConnectOptions {
  if (node.hostKeyState !== 'trusted') {
    throw new DvsanError(
      'host-key-unconfirmed',
      `the host key of ${node.name} (${node.hostKeyFingerprint}) is not confirmed yet: compare it with the node and confirm it in the console or with \`dvsan node trust ${node.name} ${node.hostKeyFingerprint}\`.`,
    );
  }
  return {
    address: node.address,
    port: node.port,
    user: node.user,
    auth: authFor(node, secrets, memory),
    trustedFingerprint: node.hostKeyFingerprint,
  };
}

function authFor(node: NodeRecord, secrets: SecretBox, memory: MemorySecrets): SshAuth {
  switch (node.authKind) {
    case 'key':
      return { kind: 'key', keyPath: node.keyPath ?? '' };
    case 'agent':
      return { kind: 'agent' };
    case 'password': {
      const password = node.secretEnc ? secrets.open(node.secretEnc) : memory.get(node.id);
      if (password === undefined) {
        throw new DvsanError(
          'ssh-auth-failed',
          `the password for ${node.name} was not saved and the station restarted since: enter it again (remove and add the node, saving the password if you like).`,
        );
      }
      return { kind: 'password', password };
    }
  }
}
