"""A deterministic catalogue of tracks, so every run measures the same data."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

GENRES = ("ambient", "blues", "classical", "electronic", "folk", "funk", "hip-hop", "jazz", "metal", "pop",
          "punk", "reggae", "rock", "soul")
WORDS = (
    "midnight", "echo", "river", "neon", "golden", "silent", "wild", "velvet", "electric", "paper", "summer",
    "glass", "ocean", "broken", "crimson", "distant", "northern", "lonely", "city", "fire", "shadow", "dream",
    "signal", "static", "orbit", "harbor", "winter", "garden", "thunder", "satellite", "mirror", "highway",
)


@dataclass(frozen=True)
class Track:
    id: int
    title: str
    artist: str
    genre: str
    tempo: int
    year: int
    energy: float

    def to_dict(self) -> dict:
        return asdict(self)


def build_catalog(size: int = 2000, seed: int = 7) -> list[Track]:
    rng = random.Random(seed)  # nosec B311: demo data, not security
    artists = [f"The {rng.choice(WORDS).title()} {rng.choice(WORDS).title()}s" for _ in range(150)]
    tracks = []
    for i in range(1, size + 1):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))).title()
        tracks.append(
            Track(
                id=i,
                title=title,
                artist=rng.choice(artists),
                genre=rng.choice(GENRES),
                tempo=rng.randint(60, 180),
                year=rng.randint(1965, 2026),
                energy=round(rng.random(), 3),
            )
        )
    return tracks


CATALOG = build_catalog()
BY_ID = {t.id: t for t in CATALOG}


def search(query: str, limit: int = 20) -> list[Track]:
    q = query.strip().lower()
    if not q:
        return CATALOG[:limit]
    hits = [t for t in CATALOG if q in t.title.lower() or q in t.artist.lower() or q == t.genre]
    return hits[:limit]


def recommend(track_id: int, limit: int = 10) -> list[Track]:
    """Nearest tracks by genre, tempo, era and energy: a small real computation."""
    seed = BY_ID[track_id]

    def distance(t: Track) -> float:
        return (
            (0.0 if t.genre == seed.genre else 1.0)
            + abs(t.tempo - seed.tempo) / 120
            + abs(t.year - seed.year) / 60
            + abs(t.energy - seed.energy)
        )

    ranked = sorted((t for t in CATALOG if t.id != track_id), key=distance)
    return ranked[:limit]
