// Child of bench/storage-scale.ts: a real Rapport server on an existing SQLite data folder.
import { loadConfig } from '../src/platform/config.ts';
import { buildServer, createContext } from '../src/server.ts';

const config = loadConfig({
  ...process.env,
  RAPPORT_DATA_DIR: process.argv[2],
  RAPPORT_DEMO: 'false',
  LOG_LEVEL: 'warn',
});
const ctx = await createContext(config, { quiet: true });
const app = await buildServer(ctx);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
console.log(`PORT ${typeof address === 'object' && address ? address.port : 0}`);
process.on('message', (message) => {
  if (message === 'rss') process.send?.(process.memoryUsage().rss);
});
