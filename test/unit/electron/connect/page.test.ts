// The connect page's script against a small fake document: it sends what was typed, shows
// main's error text, lists remembered stations as text (never markup) and forgets on click.
import { describe, expect, it, vi } from 'vitest';
import {
  startConnectPage,
  type ConnectApi,
  type PageDocument,
  type PageElement,
  type PageEvent,
} from '../../../../electron/connect/page.js';

class FakeElement implements PageElement {
  textContent: string | null = null;
  hidden = false;
  disabled = false;
  value = '';
  className = '';
  type = '';
  title = '';
  children: FakeElement[] = [];
  listeners = new Map<string, (event: PageEvent) => void>();
  focused = false;
  constructor(readonly tag: string) {}
  append(...children: PageElement[]): void {
    this.children.push(...(children as FakeElement[]));
  }
  replaceChildren(...children: PageElement[]): void {
    this.children = children as FakeElement[];
  }
  addEventListener(type: string, listener: (event: PageEvent) => void): void {
    this.listeners.set(type, listener);
  }
  focus(): void {
    this.focused = true;
  }
  fire(type: string): PageEvent {
    const event = { preventDefault: vi.fn() };
    this.listeners.get(type)?.(event);
    return event;
  }
}

function fakeDocument() {
  const ids = ['connect-form', 'url', 'fingerprint', 'error', 'connect', 'stations', 'empty'];
  const byId = new Map(ids.map((id) => [id, new FakeElement(id)]));
  const doc: PageDocument = {
    getElementById: (id) => byId.get(id) ?? null,
    createElement: (tag) => new FakeElement(tag),
  };
  return { doc, el: (id: string) => byId.get(id)! };
}

const pin = `SHA256:${'AB:'.repeat(31)}AB`;
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function fakeApi(stations: unknown[]) {
  const api = {
    connect: vi.fn<ConnectApi['connect']>(async () => ({ ok: false, error: 'use https://' })),
    list: vi.fn<ConnectApi['list']>(async () => ({ ok: true, result: stations })),
    forget: vi.fn<ConnectApi['forget']>(async () => ({ ok: true, result: null })),
  };
  return api;
}

describe('connect page', () => {
  it('sends the typed address and fingerprint and shows main’s refusal', async () => {
    const { doc, el } = fakeDocument();
    const api = fakeApi([]);
    await startConnectPage(doc, api);
    expect(el('url').focused).toBe(true);
    expect(el('empty').hidden).toBe(false);
    el('url').value = 'http://san1.example';
    el('fingerprint').value = pin;
    const submit = el('connect-form').fire('submit');
    expect(submit.preventDefault).toHaveBeenCalled();
    await flush();
    expect(api.connect).toHaveBeenCalledWith({ url: 'http://san1.example', fingerprint: pin });
    expect(el('error').hidden).toBe(false);
    expect(el('error').textContent).toBe('use https://');
    expect(el('connect').disabled).toBe(false);
  });

  it('lists remembered stations as text, connects and forgets from the list', async () => {
    const { doc, el } = fakeDocument();
    const evil = 'https://<img src=x onerror=alert(1)>.example';
    const api = fakeApi([{ url: 'https://san1.example:8443', fingerprint: pin }, { url: evil }, 7]);
    await startConnectPage(doc, api);
    const items = (el('stations') as unknown as FakeElement).children;
    expect(items.map((li) => li.children[0]!.textContent)).toEqual([
      'https://san1.example:8443',
      evil,
    ]);
    expect(el('empty').hidden).toBe(true);
    api.connect.mockResolvedValueOnce({ ok: true, result: null });
    items[0]!.children[1]!.fire('click');
    await flush();
    expect(api.connect).toHaveBeenCalledWith({
      url: 'https://san1.example:8443',
      fingerprint: pin,
    });
    expect(el('error').hidden).toBe(true);
    api.list.mockResolvedValueOnce({ ok: true, result: [] });
    items[0]!.children[2]!.fire('click');
    await flush();
    expect(api.forget).toHaveBeenCalledWith('https://san1.example:8443');
    expect((el('stations') as unknown as FakeElement).children).toEqual([]);
    expect(el('empty').hidden).toBe(false);
  });
});
