import type {
  AgentMethod,
  AgentParams,
  AgentResult,
  RequestStatus,
} from '../../../../protocol/index.js';
import { DvsanError } from '../../../../protocol/index.js';
import type { AgentLink } from '../../../../station/nodes/service.js';

type Attached = AgentParams<'initiator.attach'> & { device: string };

/**
 * An in-memory host agent for the station's attach logic (the lab test uses real hosts).
 * `failNext` fails the named method once; `down` makes every call fail like a dead host.
 */
export class FakeHost implements AgentLink {
  readonly attached = new Map<string, Attached>();
  readonly statuses: RequestStatus[] = [];
  readonly failNext = new Set<AgentMethod>();
  failing = new Map<string, string>();
  down = false;
  private nextLoop = 0;

  constructor(readonly iqn: string) {}

  async call<M extends AgentMethod>(method: M, params: AgentParams<M>): Promise<AgentResult<M>> {
    if (this.down) throw new DvsanError('ssh-unreachable', 'the host does not answer');
    if (this.failNext.delete(method))
      throw new DvsanError('login-failed', `${method} failed (injected)`, {
        reason: 'chap-rejected',
      });
    const result = ((): unknown => {
      switch (method) {
        case 'initiator.list':
          return {
            backend: 'userspace',
            initiatorIqn: this.iqn,
            mutualChap: false,
            attachments: [...this.attached.entries()].map(([id, a]) => ({
              attachmentId: id,
              backend: 'userspace',
              targetIqn: a.target.iqn,
              portal: a.target.portal,
              device: a.device,
              mountPoint: a.mountPoint ?? null,
              readOnly: a.readOnly,
              pid: 1,
              state: this.failing.has(id) ? 'failed' : 'ok',
              error: this.failing.get(id) ?? null,
            })),
          };
        case 'initiator.attach': {
          const p = params as AgentParams<'initiator.attach'>;
          const device = `/dev/loop${this.nextLoop++}`;
          this.attached.set(p.attachmentId, { ...p, device });
          return {
            attachmentId: p.attachmentId,
            backend: 'userspace',
            device,
            mountPoint: p.mountPoint ?? null,
            formatted: Boolean(p.filesystem),
            sizeBytes: 0,
            pid: 1,
            mutualChap: false,
            persistent: false,
          };
        }
        case 'initiator.detach': {
          const { attachmentId } = params as AgentParams<'initiator.detach'>;
          return { detached: this.attached.delete(attachmentId), warnings: [] };
        }
        case 'request.status':
          this.statuses.push(params as RequestStatus);
          return { stored: true };
        default:
          throw new DvsanError('agent-error', `${method} is not served by a host`);
      }
    })();
    return result as AgentResult<M>;
  }
}
