import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The folder of this file, without node:path (renderer/ lints as browser code).
const here = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root: here,
  // Relative asset URLs so Electron can load the build from file://.
  base: './',
  plugins: [vue()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // naive-ui is one large chunk by design; the console is loaded once, locally.
    chunkSizeWarningLimit: 2000,
  },
  server: {
    host: '127.0.0.1',
    // `dvsan serve` listens on 7300; the dev server forwards calls and the event socket.
    proxy: { '/api': { target: 'http://127.0.0.1:7300', ws: true } },
  },
});
