// Login, tokens and the failed-login limit.
import { createHash, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';

export const TOKEN_TTL_S = 900;

// Same-length digests, so the comparison takes the same time whatever the password.
export function samePassword(given, expected) {
  if (typeof given !== 'string' || typeof expected !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function issueToken(username, secret) {
  return jwt.sign({ sub: username }, secret, { algorithm: 'HS256', expiresIn: TOKEN_TTL_S });
}

// The claims of a valid token, or null. In regress mode the deliberate
// regression: nothing is checked (no signature, no expiry), so alg=none and
// stripped signatures get in, as in the Flask example's regress mode.
export function verifyToken(token, secret, regress) {
  if (regress) {
    const claims = jwt.decode(token);
    return claims && typeof claims === 'object' ? claims : null;
  }
  try {
    const claims = jwt.verify(token, secret, { algorithms: ['HS256'] });
    if (typeof claims !== 'object' || typeof claims.exp !== 'number' || typeof claims.sub !== 'string') return null;
    return claims;
  } catch {
    return null;
  }
}

// Failed logins per client address in a sliding window.
export class LoginLimiter {
  constructor(limit = 5, windowMs = 60_000) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.failures = new Map();
  }

  recent(address, now) {
    const kept = (this.failures.get(address) || []).filter((t) => now - t <= this.windowMs);
    if (kept.length) this.failures.set(address, kept);
    else this.failures.delete(address);
    return kept;
  }

  tooMany(address, now = Date.now()) {
    return this.recent(address, now).length >= this.limit;
  }

  record(address, now = Date.now()) {
    this.failures.set(address, [...this.recent(address, now), now]);
  }
}
