import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../../../station/db/database.js';

/** A fresh station database with every migration applied. */
export function freshDb(): Promise<Database> {
  return Database.open(join(mkdtempSync(join(tmpdir(), 'dvsan-auth-')), 'station.db'));
}

/** Cheap scrypt parameters: the format and the checks are the same, the suite stays fast. */
export const cheapScrypt = { N: 1024, r: 8, p: 1 };
