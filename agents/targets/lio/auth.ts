import { cfs, readOptional, type LioContext } from './configfs.js';

// CHAP files (auth/userid, auth/password, ..._mutual) of TPGs, node ACLs and discovery auth.
// The kernel stores exactly the bytes written (a trailing newline would become part of the
// secret), shows them with a newline added, and takes the word NULL to unset one.

/** The value, '' when unset or when this kernel has no such file. */
export async function readAuth(ctx: LioContext, file: string): Promise<string> {
  const value = await readOptional(ctx, file);
  return value === null || value === 'NULL' ? '' : value;
}

/** Writes `value` ('' unsets) when it differs; true when written. Never logs or echoes it. */
export async function writeAuth(ctx: LioContext, file: string, value: string): Promise<boolean> {
  if ((await readAuth(ctx, file)) === value) return false;
  await cfs(ctx, 'write', file, () => ctx.fs.write(file, value === '' ? 'NULL' : value));
  return true;
}
