"""The embedded search engine: SQLite FTS5 in one file, the local runtime's stand-in for Weaviate.

Why FTS5: it ships with Python's `sqlite3` (nothing to install, no server), ranks with BM25 and per-column weights
(title > tags > outcomes > outline > description), stems English with the Porter tokenizer ("templates" finds
"template"), answers prefix queries for suggestions, and one file is shared safely by several processes (WAL: the
API reads while the event pump writes), with transactions that make "only if newer" writes atomic.
What it does not do: no vectors (no semantic matches: "bread" does not find "sourdough" unless the word is there),
no synonyms beyond stemming and the intent words, typos are corrected against the indexed words (one or two edits).

Query: the terms must all match (AND); when nothing matches them all, any of them (OR). A term that is not an
indexed word is replaced by its closest indexed word (`text.distance`, ties: the most frequent).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chalicelib.integrations.search import text
from chalicelib.integrations.search.base import (
    FIELD_WEIGHTS,
    PRODUCT_FIELDS,
    ContentChunk,
    ContentHit,
    Filters,
    ProductDoc,
    ProductHit,
    ProductQuery,
    ProductResult,
)

TOKENIZER = "porter unicode61 remove_diacritics 2"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS products (
    rid INTEGER PRIMARY KEY, product_id TEXT UNIQUE NOT NULL, version INTEGER NOT NULL, visible INTEGER NOT NULL,
    product_type TEXT, creator_id TEXT, price_floor_cents INTEGER, is_free INTEGER, is_paid INTEGER,
    is_freemium INTEGER, content_types TEXT, published_at TEXT, popularity INTEGER, card TEXT, words TEXT);
CREATE VIRTUAL TABLE IF NOT EXISTS products_fts USING fts5({", ".join(PRODUCT_FIELDS)}, tokenize='{TOKENIZER}');
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS term_variants (variant TEXT NOT NULL, term TEXT NOT NULL, PRIMARY KEY (variant, term))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS content_versions (product_id TEXT NOT NULL, source TEXT NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (product_id, source)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS content (
    rid INTEGER PRIMARY KEY, product_id TEXT NOT NULL, source TEXT NOT NULL, chunk_id TEXT NOT NULL,
    is_free_preview INTEGER NOT NULL, title TEXT NOT NULL, link TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS content_by_source ON content (product_id, source);
CREATE VIRTUAL TABLE IF NOT EXISTS content_fts USING fts5(title, body, tokenize='{TOKENIZER}');
"""
WEIGHTS = ", ".join(str(FIELD_WEIGHTS[name]) for name in PRODUCT_FIELDS)
PRICING_COLUMNS = {"free": "is_free", "paid": "is_paid", "freemium": "is_freemium"}
DROPPED = "#dropped"  # the content_versions source of a deleted product's tombstone


class LocalEngine:
    """One SQLite database (`path`, or ":memory:" for one process), one connection used under a lock."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        return db

    def reset(self) -> None:
        """Empty every collection (the local runtime rebuilds the index from the tables at each start)."""
        with self._write() as db:
            for table in ("products", "products_fts", "terms", "term_variants", "content_versions", "content",
                          "content_fts"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    @contextmanager
    def _write(self):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    # --- products: writes ------------------------------------------------------------------------

    def upsert_products(self, docs: list[ProductDoc]) -> int:
        applied = 0
        with self._write() as db:
            for doc in docs:
                current = db.execute("SELECT rid, version, words FROM products WHERE product_id = ?",
                                     (doc.product_id,)).fetchone()
                if current and current[1] >= doc.version:
                    continue
                if current:
                    self._drop(db, current[0], current[2])
                words = sorted({word for value in doc.text.values() for word in text.words(value)})
                rid = db.execute(
                    "INSERT INTO products (product_id, version, visible, product_type, creator_id, price_floor_cents,"
                    " is_free, is_paid, is_freemium, content_types, published_at, popularity, card, words)"
                    " VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (doc.product_id, doc.version, doc.product_type, doc.creator_id, doc.price_floor_cents,
                     *(int(bucket in doc.pricing) for bucket in PRICING_COLUMNS),
                     f" {' '.join(doc.content_types)} ", doc.published_at, doc.popularity,
                     json.dumps(doc.card), json.dumps(words))).lastrowid
                db.execute(f"INSERT INTO products_fts (rowid, {', '.join(PRODUCT_FIELDS)}) VALUES (?{', ?' * 5})",  # noqa: S608
                           (rid, *(doc.text.get(name, "") for name in PRODUCT_FIELDS)))
                self._count_words(db, words, +1)
                applied += 1
        return applied

    def remove_product(self, product_id: str, version: int) -> bool:
        with self._write() as db:
            current = db.execute("SELECT rid, version, words FROM products WHERE product_id = ?",
                                 (product_id,)).fetchone()
            if current and current[1] >= version:
                return False
            if current:
                self._drop(db, current[0], current[2])
            db.execute("INSERT INTO products (product_id, version, visible, words) VALUES (?, ?, 0, '[]')",
                       (product_id, version))  # the tombstone: an older upsert arriving later is ignored
            return True

    def _drop(self, db: sqlite3.Connection, rid: int, words: str) -> None:
        db.execute("DELETE FROM products WHERE rid = ?", (rid,))
        db.execute("DELETE FROM products_fts WHERE rowid = ?", (rid,))
        self._count_words(db, json.loads(words or "[]"), -1)

    def _count_words(self, db: sqlite3.Connection, words: list[str], delta: int) -> None:
        """The vocabulary typo correction and topic suggestions use: public words only, with document counts."""
        for word in words:
            df = db.execute("INSERT INTO terms (term, df) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET df = df + ?"
                            " RETURNING df", (word, max(delta, 0), delta)).fetchone()[0]
            if delta > 0 and df == 1 and len(word) >= text.MIN_FUZZY_LENGTH:  # a new word: its variants once
                db.executemany("INSERT OR IGNORE INTO term_variants (variant, term) VALUES (?, ?)",
                               [(variant, word) for variant in text.deletions(word)])
        if delta < 0:
            gone = [row[0] for row in db.execute("SELECT term FROM terms WHERE df <= 0")]
            db.execute("DELETE FROM terms WHERE df <= 0")
            db.executemany("DELETE FROM term_variants WHERE term = ?", [(word,) for word in gone])

    # --- products: reads -------------------------------------------------------------------------

    def correct(self, terms: Iterable[str]) -> dict[str, str]:
        """Each term that matches nothing, even stemmed ("baking" finds "baked") → the closest indexed word within
        its edit budget."""
        corrections = {}
        for term in terms:
            if len(term) < text.MIN_FUZZY_LENGTH or self._read("SELECT 1 FROM terms WHERE term = ?", (term,)) or \
                    self._read("SELECT 1 FROM products_fts WHERE products_fts MATCH ? LIMIT 1", (f'"{term}"',)):
                continue
            variants = sorted(text.deletions(term))
            rows = self._read(
                f"SELECT DISTINCT v.term, t.df FROM term_variants v JOIN terms t ON t.term = v.term"  # noqa: S608
                f" WHERE v.variant IN ({', '.join('?' * len(variants))})", variants)
            scored = sorted((text.distance(term, word), -df, word) for word, df in rows)
            if scored and scored[0][0] <= text.max_edits(term):
                corrections[term] = scored[0][2]
        return corrections

    def search_products(self, query: ProductQuery) -> ProductResult:
        corrected = self.correct(query.terms)
        terms = [corrected.get(term, term) for term in query.terms]
        match = None
        if terms:
            match = _match(terms, "AND")
            if not self._count(match, query.filters):
                match = _match(terms, "OR")
        where, params = _where(query.filters)
        if match:
            rows = self._read(
                f"SELECT d.product_id, m.score, d.card FROM ({_MATCHES}) m JOIN products d ON d.rid = m.rid"  # noqa: S608
                f" WHERE {where} ORDER BY m.score, d.popularity DESC, d.published_at DESC LIMIT ? OFFSET ?",
                [match, *params, query.limit, query.offset])
        else:
            rows = self._read(
                f"SELECT d.product_id, 0.0, d.card FROM products d WHERE {where}"  # noqa: S608
                " ORDER BY d.popularity DESC, d.published_at DESC LIMIT ? OFFSET ?",
                [*params, query.limit, query.offset])
        hits = [ProductHit(product_id, -float(score), json.loads(card)) for product_id, score, card in rows]
        return ProductResult(hits, self._count(match, query.filters), self._facets(match, query.filters), corrected)

    def _scope(self, match: str | None, filters: Filters) -> tuple[str, list[Any]]:
        where, params = _where(filters)
        if match is None:
            return f"FROM products d WHERE {where}", params
        return f"FROM ({_MATCHES}) m JOIN products d ON d.rid = m.rid WHERE {where}", [match, *params]

    def _count(self, match: str | None, filters: Filters) -> int:
        scope, params = self._scope(match, filters)
        return int(self._read(f"SELECT COUNT(*) {scope}", params)[0][0])

    def _facets(self, match: str | None, filters: Filters) -> dict[str, dict[str, int]]:
        """Counts by type (ignoring the type filter) and by pricing bucket (ignoring the pricing filter)."""
        scope, params = self._scope(match, _without(filters, "product_type"))
        by_type = dict(self._read(f"SELECT d.product_type, COUNT(*) {scope} GROUP BY d.product_type", params))
        scope, params = self._scope(match, _without(filters, "pricing"))
        sums = self._read(f"SELECT {', '.join(f'TOTAL(d.{c})' for c in PRICING_COLUMNS.values())} {scope}", params)
        return {"product_type": by_type,
                "pricing": {bucket: int(count) for bucket, count in zip(PRICING_COLUMNS, sums[0], strict=True)}}

    def suggest(self, prefix: str, limit: int) -> tuple[list[str], list[str]]:
        words = text.words(prefix)
        if not words:
            return [], []
        *complete, last = words
        last = self.correct([last]).get(last, last) if len(last) > 5 else last  # a long partial word may be misspelt
        complete = [self.correct([word]).get(word, word) for word in complete]
        match = " AND ".join([*(f'title : "{word}"' for word in complete), f'title : "{last}"*'])
        titles = [row[0] for row in self._read(
            f"SELECT json_extract(d.card, '$.title') FROM ({_MATCHES}) m JOIN products d ON d.rid = m.rid"  # noqa: S608
            " WHERE d.visible = 1 ORDER BY m.score, d.popularity DESC LIMIT ?", [match, limit])]
        topics = [row[0] for row in self._read(
            "SELECT term FROM terms WHERE term >= ? AND term < ? AND df > 0 ORDER BY df DESC, term LIMIT ?",
            [last, last + "\uffff", limit])]
        return titles, topics

    def versions(self, product_ids: list[str]) -> dict[str, int]:
        if not product_ids:
            return {}
        return dict(self._read(f"SELECT product_id, version FROM products WHERE product_id IN"  # noqa: S608
                               f" ({', '.join('?' * len(product_ids))})", product_ids))

    # --- content ---------------------------------------------------------------------------------

    def replace_content(self, product_id: str, source: str, version: int, chunks: list[ContentChunk]) -> bool:
        with self._write() as db:
            rows = dict(db.execute("SELECT source, version FROM content_versions WHERE product_id = ? AND source IN"
                                   " (?, ?)", (product_id, source, DROPPED)).fetchall())
            if DROPPED in rows or rows.get(source, -1) >= version:
                return False
            db.execute("INSERT INTO content_versions (product_id, source, version) VALUES (?, ?, ?) ON CONFLICT"
                       " (product_id, source) DO UPDATE SET version = excluded.version", (product_id, source, version))
            self._delete_content(db, "product_id = ? AND source = ?", (product_id, source))
            for chunk in chunks:
                rid = db.execute("INSERT INTO content (product_id, source, chunk_id, is_free_preview, title, link)"
                                 " VALUES (?, ?, ?, ?, ?, ?)", (product_id, source, chunk.chunk_id,
                                                                int(chunk.is_free_preview), chunk.title,
                                                                json.dumps(chunk.link))).lastrowid
                db.execute("INSERT INTO content_fts (rowid, title, body) VALUES (?, ?, ?)",
                           (rid, chunk.title, chunk.text))
            return True

    def drop_content(self, product_id: str) -> None:
        with self._write() as db:
            self._delete_content(db, "product_id = ?", (product_id,))
            db.execute("DELETE FROM content_versions WHERE product_id = ?", (product_id,))
            db.execute("INSERT INTO content_versions (product_id, source, version) VALUES (?, ?, 0)",
                       (product_id, DROPPED))

    def content_version(self, product_id: str, source: str) -> int | None:
        rows = self._read("SELECT version FROM content_versions WHERE product_id = ? AND source = ?",
                          (product_id, source))
        return int(rows[0][0]) if rows else None

    @staticmethod
    def _delete_content(db: sqlite3.Connection, where: str, params: tuple[str, ...]) -> None:
        old = [row[0] for row in db.execute(f"SELECT rid FROM content WHERE {where}", params)]  # noqa: S608
        db.executemany("DELETE FROM content_fts WHERE rowid = ?", [(rid,) for rid in old])
        db.execute(f"DELETE FROM content WHERE {where}", params)  # noqa: S608 - fixed clauses, values as parameters

    def search_content(self, terms: tuple[str, ...], full: set[str], preview: set[str],
                       limit: int) -> list[ContentHit]:
        allowed = [*((pid, 0) for pid in full), *((pid, 1) for pid in preview - full)]
        if not terms or not allowed:
            return []
        access = " OR ".join(["(c.product_id = ? AND c.is_free_preview >= ?)"] * len(allowed))
        params = [value for pair in allowed for value in pair]
        hits = []
        for mode in ("AND", "OR"):
            rows = self._read(
                "SELECT c.product_id, c.chunk_id, c.title, snippet(content_fts, 1, '', '', '…', 16), c.link,"  # noqa: S608
                " bm25(content_fts, 4.0, 1.0) AS score FROM content_fts JOIN content c ON c.rid = content_fts.rowid"
                f" WHERE content_fts MATCH ? AND ({access}) ORDER BY score LIMIT ?",
                [_match(list(terms), mode), *params, limit])
            hits = [ContentHit(pid, chunk, title, snippet, json.loads(link), -score)
                    for pid, chunk, title, snippet, link, score in rows]
            if hits:
                break
        return hits


# SQL below is built from fixed names and placeholders only; user text goes in as parameters.
_MATCHES = f"SELECT rowid AS rid, bm25(products_fts, {WEIGHTS}) AS score FROM products_fts WHERE products_fts MATCH ?"  # noqa: S608


def _match(terms: list[str], operator: str) -> str:
    """An FTS5 expression: every term quoted (no operator or column syntax from users), joined by AND or OR."""
    return f" {operator} ".join(f'"{term}"' for term in dict.fromkeys(terms))


def _without(filters: Filters, name: str) -> Filters:
    return Filters(**{**filters.__dict__, name: None})


def _where(filters: Filters) -> tuple[str, list[Any]]:
    clauses, params = ["d.visible = 1"], []
    if filters.product_type:
        clauses.append("d.product_type = ?")
        params.append(filters.product_type)
    if filters.pricing:
        clauses.append(f"d.{PRICING_COLUMNS[filters.pricing]} = 1")
    if filters.creator_id:
        clauses.append("d.creator_id = ?")
        params.append(filters.creator_id)
    if filters.max_price_cents is not None:
        clauses.append("d.price_floor_cents <= ?")
        params.append(filters.max_price_cents)
    if filters.content_types:
        clauses.append("(" + " OR ".join(["d.content_types LIKE ?"] * len(filters.content_types)) + ")")
        params += [f"% {kind} %" for kind in filters.content_types]
    return " AND ".join(clauses), params
