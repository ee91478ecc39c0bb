"""Keeping the indexes equal to the products table: change records in, documents out (and the reindex).

A change record is a DynamoDB Streams record of the products table (NEW_AND_OLD_IMAGES), as EventBridge Pipes puts
it into the `search-index` queue (locally `local.pipes` does the same from the emulator's stream). Its new image
decides: published → the public document (upsert); draft or archived → out of the public index; removed → out of
both indexes. The version written is the product's `version` (a removal counts as the last version + 1), and the
engines apply only newer versions, so replays, duplicates and out-of-order deliveries are harmless. A course's
content (lessons, quizzes) is read when its product changes: every course edit refreshes the product's stats, so
each content change reaches the stream as a product change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from chalicelib.integrations.search import engines
from chalicelib.models import CourseItem, Product
from chalicelib.models.course import LessonBody, QuestionNode
from chalicelib.observability import logger
from chalicelib.services.catalog.products import state_of
from chalicelib.services.courses.store import load_outline
from chalicelib.services.search import documents

BODY_PREFIX = "B#"  # lesson bodies (B#L#) and quiz questions (B#Q#) of a course, in one Query


@dataclass
class Applied:
    upserted: int = 0
    removed: int = 0
    stale: int = 0  # records older than what the index holds


def state_from_image(image: dict[str, Any]) -> dict[str, Any]:
    """A stream image (DynamoDB JSON) as the product's state, through the model (attributes it does not know are
    left out, ones it gained since are read)."""
    return state_of(Product.from_raw_data(image))


def apply_records(records: Iterable[dict[str, Any]]) -> Applied:
    """Apply stream records in order (one message body each: Pipes sends a record as the SQS message body)."""
    applied = Applied()
    for record in records:
        change = record["dynamodb"]
        if record["eventName"] == "REMOVE":
            old = state_from_image(change["OldImage"])
            _remove(old["product_id"], int(old.get("version") or 0) + 1, applied, drop_content=True)
        else:
            apply_state(state_from_image(change["NewImage"]), applied)
    return applied


def apply_state(state: dict[str, Any], applied: Applied) -> None:
    engine = engines.engine()
    version = int(state.get("version") or 0)
    outline = load_outline(state["product_id"], consistent=True) if state["product_type"] == "course" else None
    if documents.is_public(state):
        if engine.upsert_products([documents.product_doc(state, outline)]):
            applied.upserted += 1
        else:
            applied.stale += 1
    else:
        _remove(state["product_id"], version, applied, drop_content=False)
    engine.replace_content(state["product_id"], version, _chunks(state, outline))


def _remove(product_id: str, version: int, applied: Applied, drop_content: bool) -> None:
    engine = engines.engine()
    if engine.remove_product(product_id, version):
        applied.removed += 1
    else:
        applied.stale += 1
    if drop_content:
        engine.replace_content(product_id, version, [])


def _chunks(state: dict[str, Any], outline: Any) -> list:
    if outline is None:
        return [documents.description_chunk(state)]
    bodies: dict[str, LessonBody] = {}
    questions: dict[str, list[QuestionNode]] = {}
    for item in CourseItem.query(state["product_id"], CourseItem.sk.startswith(BODY_PREFIX), consistent_read=True):
        if isinstance(item, LessonBody):
            bodies[item.lesson_id] = item
        elif isinstance(item, QuestionNode):
            questions.setdefault(item.quiz_id, []).append(item)
    return documents.content_chunks(outline, bodies, questions)


# --- reindex -----------------------------------------------------------------------------------------


def reindex(creator_id: str | None = None, resume: dict[str, Any] | None = None,
            page_size: int = 100) -> Iterator[dict[str, Any] | None]:
    """Backfill or repair: every product (or one creator's) written to the indexes, page by page; yields the key to
    `resume` from after each page (None after the last). Products whose indexed version is current are skipped, so a
    rerun redoes only what is missing. A recovery command, never a request path: the whole catalog is a Scan (one
    creator, a Query of `by_creator`)."""
    engine = engines.engine()
    last_key = resume
    while True:
        if creator_id:
            page = Product.by_creator.query(creator_id, limit=page_size, last_evaluated_key=last_key)
        else:
            page = Product.scan(limit=page_size, last_evaluated_key=last_key)
        products = list(page)
        indexed = engine.versions([p.product_id for p in products])
        applied = Applied()
        for product in products:
            if indexed.get(product.product_id, -1) < int(product.version or 0):
                apply_state(state_of(product), applied)
        last_key = page.last_evaluated_key
        logger.info("search reindex page", extra={"products": len(products), "upserted": applied.upserted,
                                                  "removed": applied.removed, "resume": last_key})
        yield last_key
        if not last_key:
            return
