// A mirror leg as the host agent records it: an open-iscsi attachment with no filesystem.
import type { AttachmentRecord } from '../../../../agents/initiators/records.js';

export const sha = 'a'.repeat(64);

export function leg(
  id: string,
  device: string,
  extra: Partial<AttachmentRecord> = {},
): AttachmentRecord {
  return {
    attachmentId: id,
    requestKey: sha,
    target: {
      iqn: `iqn.2026-11.io.dvsan:u.${id}`,
      portal: { address: '10.0.0.5', port: 3260 },
      lun: 1,
    },
    initiatorIqn: 'iqn.2026-11.io.dvsan.host:h1',
    readOnly: false,
    filesystemType: null,
    createdDir: null,
    mountUnit: null,
    result: {
      attachmentId: id,
      backend: 'open-iscsi',
      device,
      mountPoint: null,
      formatted: false,
      sizeBytes: 1,
      pid: null,
      mutualChap: false,
      persistent: false,
    },
    ...extra,
  };
}
