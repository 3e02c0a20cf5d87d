// When the LIO backend's kept model (model.ts) may be trusted without reading configfs whole:
// while three cheap checks all give what they gave when the model was last read or changed.
//  1. The generation file (as for tgt, tgt/stamp.ts): every dvsan agent process sets it to a
//     new random value under targetcli's lock before it changes LIO, so another agent
//     process's change is seen.
//  2. saveconfig.json's device, inode, size and times: targetcli takes the same lock and saves
//     on exit, so its changes are seen by the file no longer being the one this backend wrote.
//  3. The entry names of the configfs root, core/ and iscsi/ (three readdirs, no per-object
//     reads): a storage object made or removed by anything else adds or drops an HBA
//     directory, a target adds or drops an iscsi/ entry, another fabric adds a root entry.
// Limits: a change that keeps these names and is made without the lock and without saving
// (configfs written by hand, `targetcli` with auto-save off, rtslib scripts) is not seen until
// the names differ, the backend is restarted, or a failed change drops the model. Such a
// change inside an existing export (an ACL, an attribute) is then missing from the next
// saveconfig.json; the next full read (`dvsan` agent restart, save()) brings it back.
import { stat } from 'node:fs/promises';
import { cfs, type LioContext } from './configfs.js';

export interface LioStamp {
  generation: string | null;
  /** saveconfig.json's identity, null when it does not exist. */
  saveFile: string | null;
  /** Entry names of the root, core/ and iscsi/ (empty when a directory is missing). */
  names: { root: string[]; core: string[]; iscsi: string[] };
}

export async function saveFileStamp(file: string): Promise<string | null> {
  try {
    const st = await stat(file, { bigint: true });
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return null;
  }
}

export async function topNames(ctx: LioContext): Promise<LioStamp['names']> {
  const list = (dir: string) => cfs(ctx, 'list', dir, () => ctx.fs.readdir(dir));
  const root = await list(ctx.root);
  return {
    root,
    core: root.includes('core') ? await list(`${ctx.root}/core`) : [],
    iscsi: root.includes('iscsi') ? await list(`${ctx.root}/iscsi`) : [],
  };
}

export function sameStamp(a: LioStamp, b: LioStamp): boolean {
  return (
    a.generation === b.generation &&
    a.saveFile === b.saveFile &&
    JSON.stringify(a.names) === JSON.stringify(b.names)
  );
}

/** HBA indexes in use (any backstore), from the core/ names: where a new object may not go. */
export function usedHbaIndexes(names: LioStamp['names']): number[] {
  return names.core.flatMap((name) => {
    const match = /^.+_(\d+)$/.exec(name);
    return match ? [Number(match[1])] : [];
  });
}
