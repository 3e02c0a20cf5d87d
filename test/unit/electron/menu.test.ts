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

describe('menuTemplate', () => {
  it('has File → Quit, View → reload/devtools/zoom and Help → About on Linux and Windows', () => {
    const showAbout = vi.fn();
    const template = menuTemplate({ appName: 'dvsan', version: '0.1.0', isMac: false, showAbout });
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
    });
    expect(template[0]?.label).toBe('dvsan');
    expect(roles(template[0])).toContain('quit');
    expect(submenu(template[0])[0]?.label).toBe('About dvsan');
    expect(template.every((i) => !i.label?.includes('&'))).toBe(true);
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
