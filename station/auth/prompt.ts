import { DvsanError } from '../../protocol/index.js';

/** The login password of the remote CLI. */
export const loginPasswordEnv = ['DVSAN_PASSWORD'];
/** A password being set: its own variable first, so a remote admin can log in and set one. */
export const newPasswordEnv = ['DVSAN_NEW_PASSWORD', 'DVSAN_PASSWORD'];

/**
 * A password from the first of `env` that is set (scripts), else typed at the terminal
 * without echo. `confirm` asks twice, for a new password.
 */
export async function readPassword(
  question: string,
  env: string[],
  confirm = false,
): Promise<string> {
  const fromEnv = env.map((name) => process.env[name]).find(Boolean);
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY)
    throw new DvsanError(
      'invalid-params',
      `no terminal to ask for the password on: set ${env.join(' or ')}`,
    );
  const first = await typeHidden(question);
  if (confirm && (await typeHidden('again: ')) !== first)
    throw new DvsanError('invalid-params', 'the two passwords differ; nothing was changed');
  return first;
}

function typeHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (err: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003' || ch === '\u0004')
          return finish(new DvsanError('invalid-params', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}
