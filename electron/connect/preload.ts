// Preload of the Connect to Station window (sandboxed, bundled to connect-preload.cjs). It
// exposes three functions and nothing else; main checks every argument again, so this side
// only makes sure plain strings cross.
import { contextBridge, ipcRenderer } from 'electron';

// Literal copies of the channel names in remote/connect-ipc.ts: importing that module would
// pull main-side code into the bundle. A unit test keeps the two in step.
const channels = {
  connect: 'dvsan-connect:connect',
  list: 'dvsan-connect:list',
  forget: 'dvsan-connect:forget',
} as const;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

contextBridge.exposeInMainWorld('dvsanConnect', {
  connect(request: { url?: unknown; fingerprint?: unknown }): Promise<unknown> {
    const fields = typeof request === 'object' && request !== null ? request : {};
    return ipcRenderer.invoke(channels.connect, {
      url: text(fields.url),
      fingerprint: text(fields.fingerprint),
    });
  },
  list(): Promise<unknown> {
    return ipcRenderer.invoke(channels.list);
  },
  forget(url: unknown): Promise<unknown> {
    return ipcRenderer.invoke(channels.forget, text(url));
  },
});
