import type { Handlers } from '../api/handlers.js';
import type { RequestService } from './requests.js';
import type { HostService } from './service.js';

type HostMethods =
  | 'host/list'
  | 'host/attach'
  | 'host/detach'
  | 'host/assign'
  | 'request/list'
  | 'request/approve'
  | 'request/deny';

/** The StationApi entries for hosts, attachments and host requests. */
export function hostHandlers(
  hosts: HostService,
  requests: RequestService,
): Pick<Handlers, HostMethods> {
  return {
    'host/list': () => hosts.list(),
    'host/attach': (p, call) => hosts.attach(p, call.user),
    'host/detach': ({ attachmentId, force }, call) => hosts.detach(attachmentId, force, call.user),
    'host/assign': (p, call) => hosts.assign(p, undefined, call.user),
    'request/list': ({ state }) => requests.list(state),
    'request/approve': ({ id }, call) => requests.approve(id, call.user),
    'request/deny': ({ id, reason }, call) => requests.deny(id, reason, call.user),
  };
}
