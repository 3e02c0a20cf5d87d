/// <reference types="vite/client" />
// `window.dvsanStation` (the Electron preload's bridge) is declared once, in
// electron/preload.d.ts, which tsconfig.web.json includes.
