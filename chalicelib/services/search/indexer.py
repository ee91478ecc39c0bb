"""Keeping the indexes equal to the tables: change records in, documents out (and the reindex).

A change record is a DynamoDB Streams record (NEW_AND_OLD_IMAGES) of the products table or of the product-files
table, as EventBridge Pipes puts it into the `search-index` queue (locally `local.pipes` does the same from the
emulator's streams); both are grouped by product id, so one product's changes and its files' are applied in order.

Products: the new image decides — published → the public document (upsert); draft or archived → out of the public
index; removed → out of the public index and every content source dropped (a tombstone). The version written is the
product's `version` (a removal counts as the last version + 1), and the engines apply only newer versions, so
replays, duplicates and out-of-order deliveries are harmless. The product's own content source is rebuilt with it:
a course's lessons, quizzes and captions (every course edit refreshes the product's stats, and attaching captions
is a course edit, so each content change reaches the stream as a product change), else the product page.

Files: a file turning `ready` has its text extracted here (`extract`, bounded; never in the API request) into its own
source `file:<file_id>` at version FILE_READY; its removal writes FILE_REMOVED with no chunks. A file's lifecycle is
pending → ready | rejected → deleted and never goes back, so those two versions order every record of one file, and
a replay of `ready` (or the reindex) finds the version stored and extracts nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from chalicelib.config import get_settings
from chalicelib.integrations import storage
from chalicelib.integrations.search import engines
from chalicelib.integrations.search.base import PRODUCT_SOURCE, ContentChunk
from chalicelib.models import CourseItem, Product, ProductFile, VideoAsset
from chalicelib.models.course import LessonBody, QuestionNode
from chalicelib.observability import logger
from chalicelib.services.catalog.deliverables import DELIVERABLE_TYPES
from chalicelib.services.catalog.products import state_of
from chalicelib.services.core import webvtt
from chalicelib.services.courses.store import load_outline
from chalicelib.services.search import documents, extract

BODY_PREFIX = "B#"  # lesson bodies (B#L#) and quiz questions (B#Q#) of a course, in one Query
FILE_READY, FILE_REMOVED = 1, 2  # versions of a file's source (its lifecycle never goes back)
MAX_CAPTION_TRACKS = 200  # caption files read per course rebuild (one S3 GET each)


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
        if "file_id" in change["Keys"]:
            _apply_file(record, applied)
        elif record["eventName"] == "REMOVE":
            old = state_from_image(change["OldImage"])
            _remove(old["product_id"], int(old.get("version") or 0) + 1, applied)
            engines.engine().drop_content(old["product_id"])
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
        _remove(state["product_id"], version, applied)
    engine.replace_content(state["product_id"], PRODUCT_SOURCE, version, _chunks(state, outline))


def _remove(product_id: str, version: int, applied: Applied) -> None:
    if engines.engine().remove_product(product_id, version):
        applied.removed += 1
    else:
        applied.stale += 1


def _chunks(state: dict[str, Any], outline: Any) -> list[ContentChunk]:
    if outline is None:
        return [documents.description_chunk(state)]
    bodies: dict[str, LessonBody] = {}
    questions: dict[str, list[QuestionNode]] = {}
    for item in CourseItem.query(state["product_id"], CourseItem.sk.startswith(BODY_PREFIX), consistent_read=True):
        if isinstance(item, LessonBody):
            bodies[item.lesson_id] = item
        elif isinstance(item, QuestionNode):
            questions.setdefault(item.quiz_id, []).append(item)
    return documents.content_chunks(outline, bodies, questions) + _caption_chunks(state, outline)


def _caption_chunks(state: dict[str, Any], outline: Any) -> list[ContentChunk]:
    """The captions of the course's video lessons: one BatchGetItem of their videos, one GET per caption file
    (at most MAX_CAPTION_TRACKS). Only videos of the course's own creator, as playback."""
    lessons_by_video: dict[str, list[Any]] = defaultdict(list)
    for lesson in outline.lessons:
        if lesson.content_type == "video" and lesson.video_asset_id:
            lessons_by_video[lesson.video_asset_id].append(lesson)
    if not lessons_by_video:
        return []
    tracks = [(asset, language, track) for asset in VideoAsset.batch_get(sorted(lessons_by_video))
              if asset.creator_id == state["creator_id"] for language, track in sorted(asset.caption_tracks.items())]
    if len(tracks) > MAX_CAPTION_TRACKS:
        logger.warning("captions cut at the per-course bound", extra={"product_id": state["product_id"],
                                                                      "tracks": len(tracks)})
    chunks = []
    for asset, language, track in tracks[:MAX_CAPTION_TRACKS]:
        text = storage.read_text(get_settings().media_bucket, track["key"])
        try:
            cues = webvtt.parse(text or "")
        except webvtt.InvalidWebVTT as exc:  # validated when attached: only a file changed behind our back
            logger.warning("captions not indexed", extra={"video_id": asset.video_id, "language": language,
                                                          "error": str(exc)})
            continue
        for lesson in lessons_by_video[asset.video_id]:
            chunks += documents.caption_chunks(lesson, language, cues, outline.lesson_is_free(lesson))
    return chunks


# --- deliverable files ---------------------------------------------------------------------------------


def file_source(file_id: str) -> str:
    return f"file:{file_id}"


def _apply_file(record: dict[str, Any], applied: Applied) -> None:
    change = record["dynamodb"]
    if record["eventName"] == "REMOVE":
        old = ProductFile.from_raw_data(change["OldImage"])
        done = engines.engine().replace_content(old.product_id, file_source(old.file_id), FILE_REMOVED, [])
        applied.removed += done
        applied.stale += not done
        return
    record_file = ProductFile.from_raw_data(change["NewImage"])
    if record_file.status == "ready":  # pending and rejected files have nothing to index
        index_file(record_file, applied)


def index_file(record: ProductFile, applied: Applied) -> None:
    """The file's text into its own content source, unless that source is already at FILE_READY or later."""
    engine, source = engines.engine(), file_source(record.file_id)
    if (engine.content_version(record.product_id, source) or 0) >= FILE_READY:
        applied.stale += 1
        return
    chunks = documents.file_chunks(record.file_id, record.filename, _file_pieces(record))
    if engine.replace_content(record.product_id, source, FILE_READY, chunks):
        applied.upserted += 1
    else:
        applied.stale += 1


def _file_pieces(record: ProductFile) -> list[extract.Piece]:
    """The stored file's text pieces (one ranged GET): line-based text files from their start (as much as can be
    indexed), PDF, EPUB and JSON files whole, when within MAX_EXTRACT_BYTES (else found by name only)."""
    if record.content_type not in extract.EXTRACTABLE:
        return []
    size = int(record.size_bytes)
    if record.content_type in extract.PREFIX_TYPES:
        size = min(size, extract.MAX_PREFIX_BYTES)
    elif size > extract.MAX_EXTRACT_BYTES:
        logger.warning("file too large to extract; indexed by name", extra={"file_id": record.file_id,
                                                                           "size_bytes": size})
        return []
    data = storage.read_prefix(record.s3_key, max(size, 1))
    return extract.pieces(record.content_type, data) if data else []


# --- reindex -----------------------------------------------------------------------------------------


def reindex(creator_id: str | None = None, resume: dict[str, Any] | None = None,
            page_size: int = 100) -> Iterator[dict[str, Any] | None]:
    """Backfill or repair: every product (or one creator's) and its ready files written to the indexes, page by page;
    yields the key to `resume` from after each page (None after the last). Products whose indexed version is current
    and files already indexed are skipped, so a rerun redoes only what is missing. A recovery command, never a request
    path: the whole catalog is a Scan (one creator, a Query of `by_creator`), plus a Query of each deliverable
    product's files."""
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
            if product.product_type in DELIVERABLE_TYPES:
                for record in ProductFile.query(product.product_id, filter_condition=ProductFile.status == "ready"):
                    index_file(record, applied)  # skipped when already indexed
        last_key = page.last_evaluated_key
        logger.info("search reindex page", extra={"products": len(products), "upserted": applied.upserted,
                                                  "removed": applied.removed, "resume": last_key})
        yield last_key
        if not last_key:
            return
