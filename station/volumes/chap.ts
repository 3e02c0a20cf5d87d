import { createHash, randomInt } from 'node:crypto';
import type { Chap } from '../../protocol/index.js';
import type { InitiatorChapRecord, VolumesRepo } from '../db/volumes-repo.js';
import type { SecretBox } from '../secrets.js';

const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** 16 characters: the longest secret every common initiator accepts (~92 bits). */
export function randomSecret(length = 16): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** Per-initiator CHAP credentials, made once and kept sealed; the same host gets the same ones. */
export async function chapForInitiator(
  repo: VolumesRepo,
  secrets: SecretBox,
  initiatorIqn: string,
): Promise<Chap> {
  let record = await repo.chapFor(initiatorIqn);
  if (!record) {
    const fresh: InitiatorChapRecord = {
      initiatorIqn,
      user: `dvsan-${createHash('sha256').update(initiatorIqn).digest('hex').slice(0, 12)}`,
      secretEnc: secrets.seal(randomSecret()),
      mutualUser: 'dvsan-target',
      mutualSecretEnc: secrets.seal(randomSecret()),
    };
    await repo.saveChap(fresh);
    record = (await repo.chapFor(initiatorIqn))!;
  }
  return {
    user: record.user,
    secret: secrets.open(record.secretEnc),
    mutualUser: record.mutualUser,
    mutualSecret: secrets.open(record.mutualSecretEnc),
  };
}
