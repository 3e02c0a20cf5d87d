import { readFile, realpath, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { chapSchema } from '../../protocol/volumes.js';
import { InvalidExportError, errnoOf } from './errors.js';
import { assertIqn } from './iqn.js';

/** CHAP credentials for one initiator; mutual when both mutual fields are given. */
export interface ChapCredentials {
  user: string;
  secret: string;
  mutualUser?: string | undefined;
  mutualSecret?: string | undefined;
}

/** What one export should be: one target, one LUN on `backing`, one portal, these ACLs only. */
export interface ExportSpec {
  iqn: string;
  backing: { kind: 'file' | 'block'; path: string; sizeBytes: number };
  portal: { address: string; port: number };
  /** Exactly the initiators allowed in (deny by default); ACLs not listed are removed. */
  acls: { initiatorIqn: string; chap: ChapCredentials | null }[];
}

export const exportSpecSchema: z.ZodType<ExportSpec> = z
  .object({
    iqn: z.string(),
    backing: z
      .object({
        kind: z.enum(['file', 'block']),
        path: z.string().max(4096),
        sizeBytes: z.number(),
      })
      .strict(),
    portal: z
      .object({ address: z.string().max(64), port: z.number().int().min(1).max(65535) })
      .strict(),
    acls: z
      .array(z.object({ initiatorIqn: z.string(), chap: chapSchema.nullable() }).strict())
      .max(64),
  })
  .strict();

/** Where backing files and devices may live; anything else is refused. */
export interface BackingPolicy {
  /** Directories that may hold backing files (the agent's data directory). */
  fileDirs: readonly string[];
  /** Directories that may hold backing block devices. */
  blockDirs: readonly string[];
}

export interface BackingProbe {
  /** The path with every symlink resolved. */
  realPath: string;
  type: 'file' | 'block' | 'other';
  sizeBytes: number;
}
/** Looks at a backing path on the unit; null when nothing is there. Injectable for tests. */
export type ProbeBacking = (file: string) => Promise<BackingProbe | null>;

/** Linux's dev_t split (glibc's gnu_dev_major/minor), as sysfs names devices "major:minor". */
export function deviceNumber(rdev: number): string {
  const major = Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
  const minor = Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));
  return `${major}:${minor}`;
}

/**
 * Size of a block device from sysfs (the size file counts 512-byte sectors). By name when the
 * node carries the kernel's name (/dev/dm-0); else by device number: without udev, LVM makes
 * /dev/mapper/<vg>-<lv> a device node of its own, a name sysfs does not know.
 */
export async function blockDeviceBytes(realDevPath: string, sysfs = '/sys'): Promise<number> {
  const byName = path.join(sysfs, 'class', 'block', path.basename(realDevPath), 'size');
  const sectors = await readFile(byName, 'utf8').catch(async (err: unknown) => {
    if (errnoOf(err) !== 'ENOENT') throw err;
    const { rdev } = await stat(realDevPath);
    return readFile(path.join(sysfs, 'dev', 'block', deviceNumber(rdev), 'size'), 'utf8');
  });
  return Number(sectors.trim()) * 512;
}

export const probeBacking: ProbeBacking = async (file) => {
  let real: string;
  try {
    real = await realpath(file);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return null;
    throw err;
  }
  const st = await stat(real);
  if (st.isFile()) return { realPath: real, type: 'file', sizeBytes: st.size };
  if (st.isBlockDevice())
    return { realPath: real, type: 'block', sizeBytes: await blockDeviceBytes(real) };
  return { realPath: real, type: 'other', sizeBytes: 0 };
};

/**
 * Characters a backing path may use. The kernel parses `control` as comma-separated key=value
 * pairs, so `,` `=` and whitespace would let a path smuggle in other options.
 */
const backingPathPattern = /^\/[A-Za-z0-9._+@/-]+$/;
const sectorBytes = 512;

function inside(dir: string, file: string): boolean {
  const base = path.resolve(dir);
  return file.startsWith(base === '/' ? '/' : `${base}/`) && file !== base;
}

/** The IP as the kernel names the portal directory: IPv6 compressed and lowercase. */
export function canonicalAddress(address: string): string {
  const family = isIP(address);
  if (family === 4) return address;
  if (family === 6) return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  throw new InvalidExportError(`portal address "${address.slice(0, 64)}" is not an IP address`, {
    field: 'portal.address',
  });
}

function invalid(message: string, field: string): never {
  throw new InvalidExportError(message, { field });
}

/** Checks the fields zod cannot: names, CHAP pairing, size, portal, ACL consistency. */
function checkFields(spec: ExportSpec): void {
  assertIqn(spec.iqn, 'target IQN');
  const seen = new Set<string>();
  spec.acls.forEach((acl, i) => {
    assertIqn(acl.initiatorIqn, `acls[${i}].initiatorIqn`);
    if (seen.has(acl.initiatorIqn))
      invalid(`initiator ${acl.initiatorIqn} is listed twice`, `acls[${i}]`);
    seen.add(acl.initiatorIqn);
    const chap = acl.chap;
    if (!chap) return;
    const field = `acls[${i}].chap`;
    if ((chap.mutualUser === undefined) !== (chap.mutualSecret === undefined))
      invalid(`mutual CHAP for ${acl.initiatorIqn} needs both mutualUser and mutualSecret`, field);
    // configfs takes "NULL" as "unset" (rtslib refuses it the same way).
    if ([chap.user, chap.secret, chap.mutualUser, chap.mutualSecret].includes('NULL'))
      invalid(`CHAP values for ${acl.initiatorIqn} may not be the word NULL`, field);
    if (chap.mutualSecret !== undefined && chap.mutualSecret === chap.secret)
      invalid(`the mutual CHAP secret for ${acl.initiatorIqn} must differ from its secret`, field);
  });
  // authentication is one switch per TPG: with some ACLs on CHAP and some not, either the
  // CHAP ones could be bypassed or the others could never log in.
  const withChap = spec.acls.filter((acl) => acl.chap !== null).length;
  if (withChap !== 0 && withChap !== spec.acls.length)
    invalid('either every ACL of an export has CHAP or none has', 'acls');

  const size = spec.backing.sizeBytes;
  if (!Number.isSafeInteger(size) || size <= 0)
    invalid('backing.sizeBytes must be a positive whole number of bytes', 'backing.sizeBytes');
  if (size % sectorBytes !== 0)
    invalid(`backing.sizeBytes must be a multiple of ${sectorBytes}`, 'backing.sizeBytes');
  canonicalAddress(spec.portal.address);
}

async function checkBacking(
  backing: ExportSpec['backing'],
  policy: BackingPolicy,
  probe: ProbeBacking,
): Promise<void> {
  const file = backing.path;
  const shown = file.slice(0, 256);
  if (!path.isAbsolute(file) || path.normalize(file) !== file || file.endsWith('/'))
    invalid(`backing path "${shown}" must be absolute and normalized`, 'backing.path');
  if (!backingPathPattern.test(file))
    invalid(`backing path "${shown}" may only use A-Z a-z 0-9 . _ + @ - /`, 'backing.path');
  const dirs = backing.kind === 'file' ? policy.fileDirs : policy.blockDirs;
  const allowed = `allowed: ${dirs.length ? dirs.join(', ') : 'none'}`;
  if (!dirs.some((dir) => inside(dir, file)))
    invalid(
      `backing path "${shown}" is outside the ${backing.kind} directories (${allowed})`,
      'backing.path',
    );
  const found = await probe(file);
  if (!found) invalid(`backing ${backing.kind} "${shown}" does not exist`, 'backing.path');
  // A symlink inside an allowed directory must not lead out of it.
  if (!dirs.some((dir) => inside(dir, found.realPath)))
    invalid(
      `backing path "${shown}" resolves outside the ${backing.kind} directories (${allowed})`,
      'backing.path',
    );
  const wanted = backing.kind === 'file' ? 'a regular file' : 'a block device';
  if (found.type !== backing.kind)
    invalid(`backing path "${shown}" is not ${wanted}`, 'backing.path');
  if (found.sizeBytes < backing.sizeBytes)
    invalid(
      `backing ${backing.kind} "${shown}" holds ${found.sizeBytes} bytes, less than the ${backing.sizeBytes} asked for`,
      'backing.sizeBytes',
    );
}

/**
 * Validates an export spec completely before anything is touched. Error messages name the
 * field and the object, never a CHAP value (zod's own messages do not echo input either).
 */
export async function validateExportSpec(
  input: unknown,
  policy: BackingPolicy,
  probe: ProbeBacking = probeBacking,
): Promise<ExportSpec> {
  const parsed = exportSpecSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'spec'}: ${issue.message}`,
    );
    throw new InvalidExportError(`invalid export spec: ${issues.join('; ')}`, {
      fields: parsed.error.issues.map((issue) => issue.path.join('.')),
    });
  }
  const spec = parsed.data;
  checkFields(spec);
  await checkBacking(spec.backing, policy, probe);
  return { ...spec, portal: { ...spec.portal, address: canonicalAddress(spec.portal.address) } };
}
