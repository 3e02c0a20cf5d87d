import type { MenuItemConstructorOptions } from 'electron';

export interface MenuContext {
  appName: string;
  version: string;
  isMac: boolean;
  /** Shows the About box; main decides how (a native message box). */
  showAbout(): void;
  /** Headless stations this desktop manages: File → Connect to Station… and Recent Stations. */
  remote: {
    recent: readonly { url: string }[];
    showConnect(): void;
    openRecent(url: string): void;
  };
}

function remoteItems(remote: MenuContext['remote']): MenuItemConstructorOptions[] {
  const recent: MenuItemConstructorOptions[] =
    remote.recent.length > 0
      ? remote.recent.map(({ url }) => ({ label: url, click: () => remote.openRecent(url) }))
      : [{ label: 'No Recent Stations', enabled: false }];
  return [
    {
      label: 'Connect to Station…',
      accelerator: 'CmdOrCtrl+Shift+O',
      click: () => remote.showConnect(),
    },
    { label: 'Recent Stations', submenu: recent },
    { type: 'separator' },
  ];
}

/** The native menu as a template (pure, so it is unit-tested without Electron). */
export function menuTemplate(ctx: MenuContext): MenuItemConstructorOptions[] {
  const aboutLabel = `About ${ctx.appName}`;
  const about: MenuItemConstructorOptions = { label: aboutLabel, click: () => ctx.showAbout() };
  // Access keys (&File) are a Windows/Linux convention; macOS menus have none.
  const label = (text: string): string => (ctx.isMac ? text.replace('&', '') : text);
  const template: MenuItemConstructorOptions[] = [];
  if (ctx.isMac) {
    // macOS puts About and Quit in the application menu, named after the app.
    template.push({
      label: ctx.appName,
      submenu: [
        about,
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push(
    {
      label: label('&File'),
      submenu: [...remoteItems(ctx.remote), ctx.isMac ? { role: 'close' } : { role: 'quit' }],
    },
    { label: label('&Edit'), role: 'editMenu' },
    {
      label: label('&View'),
      submenu: [
        { role: 'reload' },
        { role: 'forceReload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { label: label('&Window'), role: 'windowMenu' },
  );
  template.push({ label: label('&Help'), role: 'help', submenu: [about] });
  return template;
}

/** Text of the About box. */
export function aboutText(
  appName: string,
  version: string,
  electronVersion: string,
): { message: string; detail: string } {
  return {
    message: `${appName} ${version}`,
    detail: `Distributed virtual SAN control station.\nElectron ${electronVersion}`,
  };
}
