"""The catalogue and its listening history in PostgreSQL, when DATABASE_URL is set.

Without DATABASE_URL the app keeps the catalogue in memory (catalog.py), as
before. With it, searches and track lookups are SQL queries, and each track
found carries ``plays``: how often it was played, counted in the ``plays``
table (one row per play, MUSICAPP_DB_PLAYS rows, 1,000,000 by default, made
on first start). The count is fast because ``plays`` has an index on
``track_id``; ECHOTUNE_REGRESS=1 drops that index (the deliberate
regression: every search then scans the whole table).

The first worker to start fills the tables (under an advisory lock, so
gunicorn's workers do not fill them twice).
"""

from __future__ import annotations

import os

import catalog

FILL_LOCK = 720_116
COLUMNS = "id, title, artist, genre, tempo, year, energy"


class Store:
    """A small psycopg connection pool over the app's database."""

    def __init__(self, url: str, regress: bool, plays: int | None = None):
        from psycopg_pool import ConnectionPool

        self.pool = ConnectionPool(url, min_size=1, max_size=int(os.environ.get("MUSICAPP_DB_POOL", "4")),
                                   kwargs={"autocommit": True}, open=True, timeout=10)
        self.regress = regress
        self.plays = plays if plays is not None else int(os.environ.get("MUSICAPP_DB_PLAYS", "1000000"))
        self._prepare()

    def _prepare(self) -> None:
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (FILL_LOCK,))
            try:
                conn.execute("CREATE TABLE IF NOT EXISTS tracks (id integer PRIMARY KEY, "
                             "title text NOT NULL, artist text NOT NULL, genre text NOT NULL, "
                             "tempo integer NOT NULL, year integer NOT NULL, energy real NOT NULL)")
                conn.execute("CREATE TABLE IF NOT EXISTS plays (track_id integer NOT NULL REFERENCES tracks, "
                             "played_at timestamptz NOT NULL)")
                if conn.execute("SELECT count(*) FROM tracks").fetchone()[0] == 0:
                    with conn.cursor() as cur, cur.copy(f"COPY tracks ({COLUMNS}) FROM STDIN") as copy:
                        for t in catalog.CATALOG:
                            copy.write_row((t.id, t.title, t.artist, t.genre, t.tempo, t.year, t.energy))
                if conn.execute("SELECT count(*) FROM plays").fetchone()[0] == 0:
                    # Every track played as often, its history imported track by track: deterministic
                    # data, stored in track order (so the index reads a few pages per track).
                    conn.execute("INSERT INTO plays SELECT 1 + ((g - 1)::bigint * 2000) / %s, "
                                 "timestamptz '2026-01-01' + g * interval '1 second' "
                                 "FROM generate_series(1, %s) g", (self.plays, self.plays))
                    conn.execute("VACUUM ANALYZE plays")
                if self.regress:
                    conn.execute("DROP INDEX IF EXISTS plays_track_id")
                else:
                    conn.execute("CREATE INDEX IF NOT EXISTS plays_track_id ON plays (track_id)")
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (FILL_LOCK,))

    def search(self, query: str, limit: int) -> list[dict]:
        """Tracks whose title or artist contains *query* (or of that genre), by id, with their plays."""
        q = query.strip().lower()
        with self.pool.connection() as conn:
            # COLUMNS is a constant of this module; every value goes through a placeholder.
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM tracks WHERE %(q)s = '' OR strpos(lower(title), %(q)s) > 0 "  # nosec B608
                "OR strpos(lower(artist), %(q)s) > 0 OR genre = %(q)s ORDER BY id LIMIT %(limit)s",
                {"q": q, "limit": limit}).fetchall()
            return self._with_plays(conn, rows)

    def track(self, track_id: int) -> dict | None:
        """One track with its plays, or None."""
        with self.pool.connection() as conn:
            rows = conn.execute(f"SELECT {COLUMNS} FROM tracks WHERE id = %s",  # nosec B608 (constant)
                                (track_id,)).fetchall()
            found = self._with_plays(conn, rows)
        return found[0] if found else None

    @staticmethod
    def _with_plays(conn, rows: list[tuple]) -> list[dict]:
        if not rows:
            return []
        ids = [row[0] for row in rows]
        counts = dict(conn.execute("SELECT track_id, count(*) FROM plays WHERE track_id = ANY(%s) "
                                   "GROUP BY track_id", (ids,)).fetchall())
        names = [c.strip() for c in COLUMNS.split(",")]
        out = []
        for row in rows:
            item = dict(zip(names, row, strict=True))
            item["energy"] = round(float(item["energy"]), 3)
            item["plays"] = counts.get(row[0], 0)
            out.append(item)
        return out


def open_store(regress: bool) -> Store | None:
    """The PostgreSQL store of $DATABASE_URL, or None (the in-memory catalogue) when it is not set."""
    url = os.environ.get("DATABASE_URL", "")
    return Store(url, regress) if url else None
