import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { aboutText, menuTemplate } from '../../../electron/menu.js';

const submenu = (item: MenuItemConstructorOptions | undefined): MenuItemConstructorOptions[] =>
  Array.isArray(item?.submenu) ? item.submenu : [];
const roles = (item: MenuItemConstructorOptions | undefined) =>
  submenu(item)
    .map((i) => i.role)
    .filter(Boolean);
const byLabel = (template: MenuItemConstructorOptions[], label: string) =>
  template.find((i) => i.label?.replace('&', '') === label);
const noRemote = { recent: [], showConnect: () => undefined, openRecent: () => undefined };

describe('menuTemplate', () => {
  it('has File → Quit, View → reload/devtools/zoom and Help → About on Linux and Windows', () => {
    const showAbout = vi.fn();
    const template = menuTemplate({
      appName: 'dvsan',
      version: '0.1.0',
      isMac: false,
      showAbout,
      remote: noRemote,
    });
    expect(template.map((i) => i.label)).toEqual(['&File', '&Edit', '&View', '&Window', '&Help']);
    expect(roles(byLabel(template, 'File'))).toEqual(['quit']);
    expect(roles(byLabel(template, 'View'))).toEqual(
      expect.arrayContaining(['reload', 'toggleDevTools', 'resetZoom', 'zoomIn', 'zoomOut']),
    );
    const about = submenu(byLabel(template, 'Help')).find((i) => i.label === 'About dvsan');
    expect(about).toBeDefined();
    (about?.click as () => void)();
    expect(showAbout).toHaveBeenCalledTimes(1);
  });

  it('follows macOS conventions: app menu with About and Quit, no access keys', () => {
    const template = menuTemplate({
      appName: 'dvsan',
      version: '0.1.0',
      isMac: true,
      showAbout: () => undefined,
      remote: noRemote,
    });
    expect(template[0]?.label).toBe('dvsan');
    expect(roles(template[0])).toContain('quit');
    expect(submenu(template[0])[0]?.label).toBe('About dvsan');
    expect(template.every((i) => !i.label?.includes('&'))).toBe(true);
  });
});

describe('File menu: remote stations', () => {
  const fileMenu = (recent: { url: string }[], isMac = false) => {
    const remote = { recent, showConnect: vi.fn(), openRecent: vi.fn() };
    const template = menuTemplate({
      appName: 'dvsan',
      version: '0.1.0',
      isMac,
      showAbout: () => undefined,
      remote,
    });
    return { remote, items: submenu(byLabel(template, 'File')) };
  };

  it('has Connect to Station… first, which opens the connect window', () => {
    const { remote, items } = fileMenu([]);
    expect(items[0]?.label).toBe('Connect to Station…');
    (items[0]?.click as () => void)();
    expect(remote.showConnect).toHaveBeenCalledTimes(1);
    expect(remote.openRecent).not.toHaveBeenCalled();
  });

  it('lists remembered stations under Recent Stations and opens the one clicked', () => {
    const { remote, items } = fileMenu([
      { url: 'https://san1.example:8443' },
      { url: 'https://san2.example:8443' },
    ]);
    const recent = submenu(items.find((i) => i.label === 'Recent Stations'));
    expect(recent.map((i) => i.label)).toEqual([
      'https://san1.example:8443',
      'https://san2.example:8443',
    ]);
    (recent[1]?.click as () => void)();
    expect(remote.openRecent).toHaveBeenCalledWith('https://san2.example:8443');
  });

  it('shows a disabled placeholder when no station is remembered, on macOS too', () => {
    const { items } = fileMenu([], true);
    const recent = submenu(items.find((i) => i.label === 'Recent Stations'));
    expect(recent).toEqual([{ label: 'No Recent Stations', enabled: false }]);
    expect(items.at(-1)?.role).toBe('close');
  });
});

describe('aboutText', () => {
  it('shows the version', () => {
    expect(aboutText('dvsan', '0.1.0', '45.5.0')).toEqual({
      message: 'dvsan 0.1.0',
      detail: expect.stringContaining('Electron 45.5.0'),
    });
  });
});
