"""Search inside everything the caller holds: lessons, key takeaways, quiz questions, video captions, product pages
and the text of deliverable files (PDF pages, EPUB chapters, Markdown sections, prompts of CSV/JSON/text packs).

Access is decided per product at query time from the caller's own grants, read consistently in this request
(one Query of their partition: bounded by what they hold, not by the catalog): an active grant opens every chunk of
the product, a preview row only its free-preview chunks (free lessons and their captions; never a file's text),
anything else (refunded, revoked, suspended, never held) nothing. The engine is asked only about those products and
filters by them itself, so a hit can never come from content the caller cannot open, and a refund removes the hits
at once (the index is not touched).
"""

from __future__ import annotations

from typing import Any

from chalicelib.integrations.search import engines, text
from chalicelib.models import AccessGrant, Product
from chalicelib.services.search.intent import STOPWORDS

# What a hit's deep link may carry (the chunk's `link`; absent ones are null): see schemas/search.LibraryHit.
LINK_FIELDS = ("lesson_id", "lesson_slug", "anchor", "quiz_id", "start_seconds", "language", "file_id", "filename",
               "page", "chapter", "entry")


def holdings(user_id: str) -> tuple[dict[str, str], set[str]]:
    """(product id → access type of each active grant, product ids held as free-preview learner)."""
    full, preview = {}, set()
    for grant in AccessGrant.query(user_id, consistent_read=True):
        if grant.status == "active":
            full[grant.product_id] = grant.access_type
        elif grant.status == "preview":
            preview.add(grant.product_id)
    return full, preview


def search_library(user_id: str, q: str, limit: int) -> list[dict[str, Any]]:
    terms = tuple(word for word in text.words(q) if word not in STOPWORDS) or tuple(text.words(q))
    full, preview = holdings(user_id)
    hits = engines.engine().search_content(terms, set(full), preview, limit)
    if not hits:
        return []
    products = {p.product_id: p for p in Product.batch_get({hit.product_id for hit in hits})}
    items = []
    for hit in hits:
        product = products.get(hit.product_id)
        if product is None:  # deleted meanwhile
            continue
        items.append({"product_id": hit.product_id, "product_slug": product.slug, "product_title": product.title,
                      "product_type": product.product_type, "access_type": full.get(hit.product_id, "preview"),
                      "kind": hit.link.get("kind", "product"), "title": hit.title, "snippet": hit.snippet,
                      **{name: hit.link.get(name) for name in LINK_FIELDS}})
    return items
