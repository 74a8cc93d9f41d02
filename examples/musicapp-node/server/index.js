// Start EchoTune Music: PORT (default 8000) on HOST (default 127.0.0.1).
//
// Environment: ECHOTUNE_REGRESS=1 (regress on purpose), REDIS_URL (cache the
// recommendations in Redis), MUSICAPP_JWT_SECRET (token signing key; a random
// one per start otherwise), MUSICAPP_DEMO_PASSWORD, MUSICAPP_LOGIN_LIMIT,
// MUSICAPP_DIST (the client build to serve; default dist/ beside this folder).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCache } from './cache.js';
import { createServer } from './app.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const regress = !['', '0', 'false'].includes(env.ECHOTUNE_REGRESS ?? '');
const port = Number.parseInt(process.env.PORT ?? '8000', 10);
const host = env.HOST || '127.0.0.1';

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`musicapp: PORT must be a port number, not ${JSON.stringify(env.PORT)}`);
  process.exit(2);
}

let cache;
try {
  cache = await openCache(env.REDIS_URL);
} catch (err) {
  console.error(`musicapp: Error: ${err.message || err}`);
  process.exit(1);
}

const server = createServer({
  regress,
  secret: env.MUSICAPP_JWT_SECRET || randomBytes(32).toString('hex'),
  cache,
  users: { demo: env.MUSICAPP_DEMO_PASSWORD || 'demo-password' },
  loginLimit: Number.parseInt(env.MUSICAPP_LOGIN_LIMIT || '5', 10),
  dist: path.resolve(env.MUSICAPP_DIST || path.join(HERE, '..', 'dist')),
  nowPlayingIntervalMs: Number.parseInt(env.MUSICAPP_NOW_PLAYING_INTERVAL_MS || '5000', 10),
});

server.on('error', (err) => {
  console.error(`musicapp: Error: cannot listen on ${host}:${port}: ${err.code || err.message}`);
  process.exit(1);
});
server.listen(port, host, () => {
  const { port: bound } = server.address();
  console.log(`musicapp: listening on http://${host}:${bound}${regress ? ' [regress]' : ''} (cache: ${cache.kind})`);
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`musicapp: ${signal}, stopping`);
  server.close(() => {
    cache.close().catch(() => {}).finally(() => process.exit(0));
  });
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
