#!/usr/bin/env node
// The CLI is bundled into dist/ by `npm run build`.
import { existsSync } from 'node:fs';
const entry = new URL('../dist/station/cli.mjs', import.meta.url);
if (!existsSync(entry)) {
  console.error('dvsan is not built yet: run `npm run build` (or `npm start`) first.');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
