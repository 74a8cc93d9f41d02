// A deterministic catalogue of 2,000 tracks, so every run measures the same data.
// The same shape, size and search/recommendation rules as examples/musicapp/catalog.py
// (the generator differs: a seeded mulberry32 instead of Python's random).

export const GENRES = ['ambient', 'blues', 'classical', 'electronic', 'folk', 'funk', 'hip-hop', 'jazz', 'metal',
  'pop', 'punk', 'reggae', 'rock', 'soul'];
const WORDS = [
  'midnight', 'echo', 'river', 'neon', 'golden', 'silent', 'wild', 'velvet', 'electric', 'paper', 'summer',
  'glass', 'ocean', 'broken', 'crimson', 'distant', 'northern', 'lonely', 'city', 'fire', 'shadow', 'dream',
  'signal', 'static', 'orbit', 'harbor', 'winter', 'garden', 'thunder', 'satellite', 'mirror', 'highway',
];

// mulberry32: a small seeded generator; demo data, not security.
function seeded(seed) {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const randint = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  const choice = (items) => items[Math.floor(random() * items.length)];
  return { random, randint, choice };
}

const titleCase = (text) => text.replace(/\b\w/g, (c) => c.toUpperCase());

export function buildCatalog(size = 2000, seed = 7) {
  const rng = seeded(seed);
  const artists = Array.from({ length: 150 },
    () => `The ${titleCase(rng.choice(WORDS))} ${titleCase(rng.choice(WORDS))}s`);
  const tracks = [];
  for (let id = 1; id <= size; id += 1) {
    const words = Array.from({ length: rng.randint(1, 3) }, () => rng.choice(WORDS));
    tracks.push(Object.freeze({
      id,
      title: titleCase(words.join(' ')),
      artist: rng.choice(artists),
      genre: rng.choice(GENRES),
      tempo: rng.randint(60, 180),
      year: rng.randint(1965, 2026),
      energy: Math.round(rng.random() * 1000) / 1000,
    }));
  }
  return tracks;
}

export const CATALOG = Object.freeze(buildCatalog());
export const BY_ID = new Map(CATALOG.map((t) => [t.id, t]));

export function search(query, limit = 20) {
  const q = query.trim().toLowerCase();
  if (!q) return CATALOG.slice(0, limit);
  const hits = [];
  for (const t of CATALOG) {
    if (t.title.toLowerCase().includes(q) || t.artist.toLowerCase().includes(q) || t.genre === q) {
      hits.push(t);
      if (hits.length === limit) break;
    }
  }
  return hits;
}

// Nearest tracks by genre, tempo, era and energy: a small real computation.
export function recommend(trackId, limit = 10) {
  const seed = BY_ID.get(trackId);
  const distance = (t) => (t.genre === seed.genre ? 0 : 1)
    + Math.abs(t.tempo - seed.tempo) / 120
    + Math.abs(t.year - seed.year) / 60
    + Math.abs(t.energy - seed.energy);
  return CATALOG.filter((t) => t.id !== trackId)
    .map((t) => [distance(t), t])
    .sort((a, b) => a[0] - b[0] || a[1].id - b[1].id)
    .slice(0, limit)
    .map(([, t]) => t);
}
