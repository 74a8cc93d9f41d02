// EchoTune Music on Node.js: the Express app, the WebSocket channel and the HTTP server.
//
// ECHOTUNE_REGRESS=1 makes it regress on purpose: a slow search endpoint, no
// security headers, no login rate limit, a token check that accepts
// unsigned tokens, a slow answer to the WebSocket ping, and two breaks of the API
// contract (openapi.json): an unknown track id answers 500, and recommendations
// name their track_id as a string
// (the page's defects and the larger bundle come from the build, see vite.config.js).
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { WebSocketServer } from 'ws';
import { LoginLimiter, TOKEN_TTL_S, issueToken, samePassword, verifyToken } from './auth.js';
import { BY_ID, CATALOG, recommend, search } from './catalog.js';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
  + "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const INTEGER = /^\s*[+-]?\d+\s*$/;
const NOW_PLAYING_PATH = '/ws/now-playing';
// The hand-written contract of the JSON API (echotune-ci api tests the app against it).
const OPENAPI = readFileSync(new URL('./openapi.json', import.meta.url), 'utf8');

function securityHeaders(req, res, next) {
  res.set({
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
  if (req.secure) res.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
  next();
}

function parseInteger(value) {
  return typeof value === 'string' && INTEGER.test(value) ? Number.parseInt(value, 10) : null;
}

// The Express app. options: regress, secret, cache (MemoryCache/RedisCache),
// users ({name: password}), loginLimit, dist (the client build folder).
export function createApp(options) {
  const { regress, secret, cache, users, dist } = options;
  const limiter = new LoginLimiter(options.loginLimit ?? 5, 60_000);
  const app = express();
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (!regress) {
    app.disable('x-powered-by');
    app.use(securityHeaders);
  }

  app.get('/health', (req, res) => {
    res.json({ status: 'ok', regress, cache: cache.kind });
  });

  app.get('/api/tracks', async (req, res) => {
    if (regress) await sleep(250); // the deliberate regression: an N+1 query, say
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    let limit = 20;
    if (req.query.limit !== undefined) {
      limit = parseInteger(req.query.limit);
      if (limit === null) return res.status(400).json({ error: 'limit must be an integer' });
    }
    limit = Math.max(1, Math.min(limit, 100));
    return res.json({ query: q, results: search(q, limit) });
  });

  app.get('/openapi.json', (req, res) => {
    res.type('application/json').send(OPENAPI);
  });

  app.get('/api/tracks/:id', (req, res) => {
    // An anchored single-class pattern cannot backtrack, so the ReDoS rule is silenced.
    const found = /^\d+$/.test(req.params.id) ? BY_ID.get(Number(req.params.id)) : undefined; // njsscan-ignore: regex_dos
    // The deliberate regression: a missing check, so an unknown id throws (500).
    if (!found && regress) throw new TypeError(`track ${req.params.id} has no title`);
    if (!found) return res.status(404).json({ error: 'no such track' });
    return res.json(found);
  });

  app.get('/api/recommendations', async (req, res) => {
    const trackId = parseInteger(req.query.track_id);
    if (trackId === null) return res.status(400).json({ error: 'track_id must be an integer' });
    if (!BY_ID.has(trackId)) return res.status(404).json({ error: 'no such track' });
    // A regress build's answers (track_id as a string) never reach a normal build sharing the cache.
    const key = `musicapp:recs${regress ? ':regress' : ''}:${trackId}`;
    let cached = null;
    // A cache failure goes to the server log only, never to the client: silenced below.
    try {
      cached = await cache.get(key);
    } catch (err) {
      console.error(`musicapp: cache read failed: ${err.message || err}`); // njsscan-ignore: generic_error_disclosure
    }
    res.type('application/json');
    if (cached !== null) return res.set('X-Cache', 'hit').send(cached);
    // The deliberate regression: the id as a string, against the documented integer.
    const body = JSON.stringify({ track_id: regress ? String(trackId) : trackId, results: recommend(trackId) });
    try {
      await cache.set(key, body);
    } catch (err) {
      console.error(`musicapp: cache write failed: ${err.message || err}`); // njsscan-ignore: generic_error_disclosure
    }
    return res.set('X-Cache', 'miss').send(body);
  });

  // The body is parsed here rather than by express.json(), so a malformed body
  // is a failed login (counted by the limit), as in the Flask example.
  app.post('/api/login', express.text({ type: () => true, limit: '16kb' }), (req, res) => {
    const address = req.socket.remoteAddress || '?';
    if (!regress && limiter.tooMany(address)) {
      return res.status(429).set('Retry-After', '60').json({ error: 'too many failed logins, try again later' });
    }
    let data = {};
    try {
      data = JSON.parse(typeof req.body === 'string' && req.body ? req.body : '{}') || {};
    } catch {
      data = {};
    }
    const { username, password } = data;
    if (typeof username !== 'string' || !Object.hasOwn(users, username)
        || !samePassword(password, users[username])) {
      limiter.record(address);
      return res.status(401).json({ error: 'invalid credentials' });
    }
    return res.json({ access_token: issueToken(username, secret), token_type: 'Bearer', expires_in: TOKEN_TTL_S });
  });

  app.get('/api/me', (req, res) => {
    const header = req.get('Authorization') || '';
    if (!header.startsWith('Bearer ')) return res.status(401).json({ error: 'missing bearer token' });
    const claims = verifyToken(header.slice('Bearer '.length), secret, regress);
    if (!claims) return res.status(401).json({ error: 'invalid token' });
    return res.json({ user: claims.sub ?? null, favourites: CATALOG.slice(0, 5) });
  });

  app.use('/api', (req, res) => res.status(404).json({ error: 'not found' }));

  // The client build (npm run build): hashed assets are cached for a year,
  // the page itself is revalidated.
  const indexFile = path.join(dist, 'index.html');
  app.use('/assets', express.static(path.join(dist, 'assets'), {
    index: false, fallthrough: false, immutable: true, maxAge: '365d',
  }));
  app.get(['/', '/index.html'], (req, res) => {
    if (!existsSync(indexFile)) {
      return res.status(503).type('text/plain')
        .send(`no client build in ${dist}: run \`npm run build\` first\n`);
    }
    return res.set('Cache-Control', 'no-cache').sendFile(indexFile);
  });
  app.use(express.static(dist, { index: false, maxAge: '1h' }));

  app.use((req, res) => res.status(404).type('text/plain').send('not found\n'));
  app.use((err, req, res, next) => {
    const status = err.status || err.statusCode || 500;
    if (status >= 500) console.error(err);
    res.status(status).type('text/plain').send(status >= 500 ? 'internal error\n' : `${err.message}\n`);
  });
  return app;
}

// "Now playing": a deterministic rotation through this week's chart, the same
// for every listener; a new track every intervalMs, and the current one on connect.
export class NowPlaying {
  constructor(wss, intervalMs = 5000) {
    this.wss = wss;
    this.chart = CATALOG.slice(0, 12);
    this.index = 0;
    this.startedAt = Date.now();
    this.timer = setInterval(() => this.advance(), intervalMs);
    this.timer.unref();
  }

  message() {
    return JSON.stringify({
      type: 'now-playing',
      track: this.chart[this.index],
      listeners: this.wss.clients.size,
      started_at: new Date(this.startedAt).toISOString(),
    });
  }

  advance() {
    this.index = (this.index + 1) % this.chart.length;
    this.startedAt = Date.now();
    const text = this.message();
    for (const client of this.wss.clients) {
      if (client.readyState === client.OPEN) client.send(text);
    }
  }

  stop() {
    clearInterval(this.timer);
  }
}

// A browser may only open the channel from this app's own pages (no
// cross-site WebSocket hijacking); clients without an Origin (scripts) may.
function sameOrigin(req) {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

// A client's keep-alive on the channel: the text "ping", or {"type": "ping", "id": ...}
// whose id comes back in the pong (clients time their round trip with it). Anything
// else gets no answer.
export function pong(text) {
  if (text === 'ping') return JSON.stringify({ type: 'pong' });
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return null;
  }
  if (message === null || typeof message !== 'object' || message.type !== 'ping') return null;
  const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : null;
  return JSON.stringify({ type: 'pong', id });
}

// The HTTP server: the app plus the WebSocket channel on NOW_PLAYING_PATH.
export function createServer(options) {
  const app = createApp(options);
  const server = http.createServer(app);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const nowPlaying = new NowPlaying(wss, options.nowPlayingIntervalMs ?? 5000);
  wss.on('connection', (socket) => {
    socket.on('error', () => socket.terminate());
    socket.on('message', async (data) => {
      const reply = pong(String(data));
      if (reply === null) return;
      if (options.regress) await sleep(150); // the deliberate regression: a slow lookup per message
      if (socket.readyState === socket.OPEN) socket.send(reply);
    });
    socket.send(nowPlaying.message());
  });
  server.on('upgrade', (req, socket, head) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    if (pathname !== NOW_PLAYING_PATH || !sameOrigin(req)) {
      socket.end(`HTTP/1.1 ${pathname === NOW_PLAYING_PATH ? '403 Forbidden' : '404 Not Found'}\r\n`
        + 'Connection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  server.on('close', () => {
    nowPlaying.stop();
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
  return server;
}
