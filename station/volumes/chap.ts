import { createHash, randomInt } from 'node:crypto';
import type { Chap } from '../../protocol/index.js';
import type { VolumesRepo } from '../db/volumes-repo.js';
import type { SecretBox } from '../secrets.js';

const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** 16 characters: the longest secret every common initiator accepts (~92 bits). */
export function randomSecret(length = 16): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

async function credentials(
  repo: VolumesRepo,
  secrets: SecretBox,
  kind: 'initiator' | 'unit',
  owner: string,
  prefix: string,
): Promise<{ user: string; secret: string }> {
  let record = await repo.chapFor(kind, owner);
  if (!record) {
    await repo.saveChap(kind, {
      owner,
      user: `${prefix}${shortHash(owner)}`,
      secretEnc: secrets.seal(randomSecret()),
    });
    record = (await repo.chapFor(kind, owner))!;
  }
  return { user: record.user, secret: secrets.open(record.secretEnc) };
}

/**
 * CHAP for one host on one unit: the host's own credentials (made once per initiator, the
 * same on every unit) and, for mutual CHAP, the unit's target identity. One identity per unit
 * because a target can answer with one outgoing account only (tgt), shared volumes included.
 */
export async function chapFor(
  repo: VolumesRepo,
  secrets: SecretBox,
  initiatorIqn: string,
  unitId: string,
): Promise<Chap> {
  const host = await credentials(repo, secrets, 'initiator', initiatorIqn, 'dvsan-');
  const target = await credentials(repo, secrets, 'unit', unitId, 'dvsan-t-');
  return {
    user: host.user,
    secret: host.secret,
    mutualUser: target.user,
    mutualSecret: target.secret,
  };
}
