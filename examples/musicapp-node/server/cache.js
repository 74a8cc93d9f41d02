// The recommendation cache: Redis when REDIS_URL is set (hits and misses show in
// its INFO), else an in-process LRU.
import { createClient } from 'redis';

export class MemoryCache {
  constructor(size = 512) {
    this.kind = 'memory';
    this.size = size;
    this.lru = new Map();
  }

  async get(key) {
    const value = this.lru.get(key);
    if (value === undefined) return null;
    this.lru.delete(key);
    this.lru.set(key, value);
    return value;
  }

  async set(key, value) {
    this.lru.delete(key);
    this.lru.set(key, value);
    while (this.lru.size > this.size) this.lru.delete(this.lru.keys().next().value);
  }

  async close() {}
}

export class RedisCache {
  constructor(client) {
    this.kind = 'redis';
    this.client = client;
  }

  async get(key) {
    return this.client.get(key);
  }

  async set(key, value, ttlSeconds = 300) {
    await this.client.set(key, value, { expiration: { type: 'EX', value: ttlSeconds } });
  }

  async close() {
    await this.client.close();
  }
}

// Where the URL's password would show, print the host only.
export function redisLabel(url) {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'the REDIS_URL';
  }
}

// A connected cache; Redis must answer within timeoutMs at start, or this throws.
export async function openCache(url, { timeoutMs = 5000 } = {}) {
  if (!url) return new MemoryCache();
  const client = createClient({
    url,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
  });
  let lastError = null;
  client.on('error', (err) => {
    if (lastError === null || String(err) !== String(lastError)) {
      console.error(`musicapp: redis ${redisLabel(url)}: ${err.message || err}`);
    }
    lastError = err;
  });
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis at ${redisLabel(url)} within ${timeoutMs} ms`)),
      timeoutMs);
  });
  try {
    await Promise.race([client.connect(), deadline]);
  } catch (err) {
    client.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return new RedisCache(client);
}
