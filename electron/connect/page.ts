// The Connect to Station page's script, bundled for the browser to connect.js. electron/ is
// type-checked without DOM types (it is Node code), so the few DOM parts used are declared
// here; that also lets a unit test drive the page with a small fake document.

/** What the connect preload exposes as `window.dvsanConnect`. */
export interface ConnectApi {
  connect(request: { url: string; fingerprint: string }): Promise<unknown>;
  list(): Promise<unknown>;
  forget(url: string): Promise<unknown>;
}

export interface PageEvent {
  preventDefault(): void;
}

export interface PageElement {
  textContent: string | null;
  hidden: boolean;
  disabled: boolean;
  value: string;
  className: string;
  type: string;
  title: string;
  append(...children: PageElement[]): void;
  replaceChildren(...children: PageElement[]): void;
  addEventListener(type: string, listener: (event: PageEvent) => void): void;
  focus(): void;
}

export interface PageDocument {
  getElementById(id: string): PageElement | null;
  createElement(tag: string): PageElement;
}

interface Station {
  url: string;
  fingerprint?: string;
}

type Answer = { ok: true; result: unknown } | { ok: false; error: string };

function answerOf(value: unknown): Answer {
  const v = value as { ok?: unknown; result?: unknown; error?: unknown } | null;
  if (v && v.ok === true) return { ok: true, result: v.result };
  return { ok: false, error: typeof v?.error === 'string' ? v.error : 'no answer from dvsan' };
}

function stationsOf(value: unknown): Station[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (s): s is Station => typeof s === 'object' && s !== null && typeof s.url === 'string',
  );
}

function element(doc: PageDocument, id: string): PageElement {
  const found = doc.getElementById(id);
  if (!found) throw new Error(`connect.html has no #${id}`);
  return found;
}

/** Wires the form and the remembered-stations list; returns once the list is shown. */
export async function startConnectPage(doc: PageDocument, api: ConnectApi): Promise<void> {
  const form = element(doc, 'connect-form');
  const url = element(doc, 'url');
  const fingerprint = element(doc, 'fingerprint');
  const error = element(doc, 'error');
  const button = element(doc, 'connect');
  const list = element(doc, 'stations');
  const empty = element(doc, 'empty');

  const showError = (text: string | null): void => {
    error.textContent = text ?? '';
    error.hidden = text === null;
  };

  const connect = async (request: { url: string; fingerprint: string }): Promise<void> => {
    showError(null);
    button.disabled = true;
    try {
      const answer = answerOf(await api.connect(request));
      if (!answer.ok) showError(answer.error);
    } finally {
      button.disabled = false;
    }
  };

  const render = (stations: Station[]): void => {
    empty.hidden = stations.length > 0;
    // textContent only: a remembered URL is data, never markup.
    list.replaceChildren(
      ...stations.map((station) => {
        const item = doc.createElement('li');
        const name = doc.createElement('span');
        name.className = 'url';
        name.textContent = station.url;
        name.title = station.fingerprint ?? 'plain http on this machine';
        const open = doc.createElement('button');
        open.type = 'button';
        open.textContent = 'Connect';
        open.addEventListener('click', () => {
          void connect({ url: station.url, fingerprint: station.fingerprint ?? '' });
        });
        const forget = doc.createElement('button');
        forget.type = 'button';
        forget.textContent = 'Forget';
        forget.addEventListener('click', () => {
          void (async () => {
            const answer = answerOf(await api.forget(station.url));
            if (!answer.ok) showError(answer.error);
            await refresh();
          })();
        });
        item.append(name, open, forget);
        return item;
      }),
    );
  };

  const refresh = async (): Promise<void> => {
    const answer = answerOf(await api.list());
    if (answer.ok) render(stationsOf(answer.result));
    else showError(answer.error);
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void connect({ url: url.value, fingerprint: fingerprint.value });
  });
  url.focus();
  await refresh();
}

const page = globalThis as { document?: PageDocument; dvsanConnect?: ConnectApi };
if (page.document && page.dvsanConnect) void startConnectPage(page.document, page.dvsanConnect);
