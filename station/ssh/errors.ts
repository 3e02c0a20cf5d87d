import { DvsanError } from '../../protocol/index.js';

export interface Endpoint {
  address: string;
  port: number;
  user: string;
}

/** Turns what ssh2 and the socket report into an error that says what to do. */
export function sshConnectError(err: unknown, at: Endpoint, authKind: string): DvsanError {
  const e = err as NodeJS.ErrnoException & { level?: string };
  const where = `${at.address}:${at.port}`;
  if (e instanceof DvsanError) return e;
  if (e.level === 'client-authentication') {
    const what =
      authKind === 'password'
        ? 'password'
        : authKind === 'agent'
          ? 'keys offered by ssh-agent'
          : 'key';
    return new DvsanError(
      'ssh-auth-failed',
      `${where} refused the ${what} for user "${at.user}": check the user name and that the node accepts this ${what}.`,
      { address: at.address, port: at.port },
    );
  }
  if (e.level === 'client-dns') {
    return new DvsanError(
      'ssh-unreachable',
      `the name ${at.address} does not resolve: check the address.`,
    );
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return new DvsanError(
        'ssh-unreachable',
        `nothing answers on ${where}: is sshd running there and is the port right?`,
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new DvsanError(
        'ssh-unreachable',
        `${where} cannot be reached from the station: check the address and the network route.`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DvsanError(
        'ssh-unreachable',
        `the name ${at.address} does not resolve: check the address.`,
      );
    case 'ETIMEDOUT':
      return new DvsanError(
        'ssh-timeout',
        `no answer from ${where} in time: check that the node is up and no firewall drops SSH.`,
      );
  }
  if (e.level === 'client-timeout') {
    return new DvsanError(
      'ssh-timeout',
      `no SSH handshake with ${where} in time: check that the node is up and no firewall drops SSH.`,
    );
  }
  return new DvsanError('ssh-unreachable', `SSH to ${where} failed: ${e.message ?? String(err)}`);
}
