"""What the indexes hold, built from a product's state (a stream image or a read) and its course outline (pure).

Public document (`product_doc`): only what the public product page shows — title, description, outcomes and
prerequisites, the type's words and format, and for courses the module, lesson and quiz titles. Never a lesson's
body, a quiz's questions or a file. Fields another part of the catalog may add (bundles' members, review
aggregates) are used when present and ignored when absent; unknown product types are indexed under their own name.

Content chunks (`content_chunks`): what is inside a course (each lesson's text cut at its Markdown headings, its
key takeaways, each quiz's questions) for the library search, each marked free-preview or not, with its deep link:
the lesson, and for a section the heading's anchor (GitHub's slug rule: lower case, punctuation dropped, spaces to
`-`, repeats numbered `-1`, `-2`), so a hit opens at the section that matched; a video lesson's captions, a
few cues per chunk, each opening at its first cue's second (`caption_chunks`). Deliverable files give a chunk per
page, chapter, section or entry of their text (`file_chunks`, from `extract`), never free-preview. They are only
ever searched for products the caller's access was checked for.
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.integrations.search.base import ContentChunk, ProductDoc
from chalicelib.services.catalog import listing, ratings
from chalicelib.services.core.webvtt import Cue

TYPE_WORDS = {
    "course": "course class lessons",
    "prompt_pack": "prompt pack prompts",
    "template": "template",
    "ebook": "ebook e-book book pdf guide",
    "bundle": "bundle",
}


def is_public(state: dict[str, Any] | None) -> bool:
    return bool(state) and state.get("status") == "published"


def price_floor_cents(state: dict[str, Any]) -> int:
    """The least a buyer may pay: 0 when free, a pay-what-you-want minimum, else the price (minor units)."""
    if state.get("pricing_type") == "free":
        return 0
    if state.get("pricing_type") == "pwyw" and state.get("min_price_cents") is not None:
        return int(state["min_price_cents"])
    return int(state.get("price_cents") or 0)


def product_doc(state: dict[str, Any], outline: Any = None) -> ProductDoc:
    """The public document of a published product; `outline` (a course's) adds its titles and content types."""
    product_type = str(state["product_type"])
    tags = " ".join(filter(None, [TYPE_WORDS.get(product_type, product_type.replace("_", " ")),
                                  state.get("template_format")]))
    outline_titles, content_types = [], set()
    if outline is not None:
        outline_titles = [m.title for m in outline.modules] + [lesson.title for lesson in outline.lessons] + \
            [q.title for q in outline.quizzes]
        content_types = {lesson.content_type for lesson in outline.lessons} | ({"quiz"} if outline.quizzes else set())
    if state.get("template_format"):
        content_types.add(str(state["template_format"]))
    pricing = listing.pricing_buckets(state["pricing_type"], bool(state.get("has_free_preview")),
                                      state.get("min_price_cents"))
    published = state.get("published_at")
    card = {**listing.card(state), "rating_summary": ratings.summary(state)}  # as explore's cards
    return ProductDoc(
        product_id=state["product_id"], version=int(state.get("version") or 0),
        text={"title": state.get("title") or "", "tags": tags,
              "outcomes": "\n".join([*(state.get("learning_outcomes") or []), *(state.get("prerequisites") or [])]),
              "outline": "\n".join(outline_titles), "description": state.get("description") or ""},
        product_type=product_type, creator_id=state["creator_id"], pricing=tuple(pricing),
        price_floor_cents=price_floor_cents(state), content_types=tuple(sorted(content_types)),
        published_at=published.isoformat() if hasattr(published, "isoformat") else str(published or ""),
        popularity=int(state.get("rating_count") or 0), card=card)


def content_chunks(outline: Any, bodies: dict[str, Any], questions: dict[str, list[Any]]) -> list[ContentChunk]:
    """A course's lessons (text and key takeaways) and quizzes (their questions), with deep links."""
    chunks = []
    for lesson in outline.lessons:
        body = bodies.get(lesson.lesson_id)
        free, link = outline.lesson_is_free(lesson), {"kind": "lesson", "lesson_id": lesson.lesson_id,
                                                       "lesson_slug": lesson.slug}
        sections = sections_of(body.content or "") if body is not None else [(None, "")]
        for heading, anchor, text in sections:
            title = f"{lesson.title} › {heading}" if heading else lesson.title
            chunk_id = f"lesson:{lesson.lesson_id}" + (f"#{anchor}" if anchor else "")
            chunks.append(ContentChunk(chunk_id, title, text, free, {**link, "anchor": anchor}))
        if body is not None and body.key_takeaways:
            chunks.append(ContentChunk(f"lesson:{lesson.lesson_id}#key-takeaways", f"{lesson.title} › Key takeaways",
                                       "\n".join(body.key_takeaways), free, {**link, "anchor": "key-takeaways"}))
    for quiz in outline.quizzes:
        text = "\n".join(q.prompt for q in questions.get(quiz.quiz_id, []))
        chunks.append(ContentChunk(f"quiz:{quiz.quiz_id}", quiz.title, text, outline.quiz_is_free(quiz),
                                   {"kind": "quiz", "quiz_id": quiz.quiz_id, "lesson_id": quiz.lesson_id}))
    return chunks


def description_chunk(state: dict[str, Any]) -> ContentChunk:
    """Products without a structured inside (prompt packs, templates, ebooks) are found by their own page's text
    in the library (their files' text is a source of its own: `file_chunks`)."""
    return ContentChunk("product", state.get("title") or "", state.get("description") or "", True,
                        {"kind": "product"})


CAPTION_CHUNK_CHARS = 300  # a few sentences: enough words to match, short enough to land near the moment said
CAPTION_SPAN_MS = 20_000  # nor more than this from its first cue: the offset is never far before the words


def caption_chunks(lesson: Any, language: str, cues: list[Cue], is_free_preview: bool) -> list[ContentChunk]:
    """A lesson's captions in one language, adjacent cues merged (cut once a chunk reaches CAPTION_CHUNK_CHARS, or
    half that at a sentence's end, or spans CAPTION_SPAN_MS); each chunk opens the video at its first cue's start,
    in whole seconds (rounded down)."""
    groups: list[list[Cue]] = [[]]
    for cue in cues:
        if not cue.text:
            continue
        if groups[-1] and cue.start_ms - groups[-1][0].start_ms > CAPTION_SPAN_MS:
            groups.append([])
        groups[-1].append(cue)
        size = sum(len(c.text) + 1 for c in groups[-1])
        if size >= CAPTION_CHUNK_CHARS or (size >= CAPTION_CHUNK_CHARS // 2 and cue.text.endswith((".", "?", "!"))):
            groups.append([])
    chunks = []
    for number, group in enumerate(filter(None, groups)):
        second = group[0].start_ms // 1000
        at = f"{second // 3600}:{second // 60 % 60:02d}:{second % 60:02d}" if second >= 3600 else \
            f"{second // 60:02d}:{second % 60:02d}"
        chunks.append(ContentChunk(
            f"captions:{lesson.lesson_id}:{language}#{number}", f"{lesson.title} › {at}",
            " ".join(cue.text for cue in group), is_free_preview,
            {"kind": "captions", "lesson_id": lesson.lesson_id, "lesson_slug": lesson.slug, "start_seconds": second,
             "language": language}))
    return chunks


def file_chunks(file_id: str, filename: str, pieces: list[Any]) -> list[ContentChunk]:
    """A deliverable file's text pieces (`extract.Piece`) as chunks; a file without text is found by its name."""
    link = {"kind": "file", "file_id": file_id, "filename": filename}
    if not pieces:
        return [ContentChunk(f"file:{file_id}", filename, "", False, link)]
    chunks = []
    for number, piece in enumerate(pieces):
        where = piece.where
        label = piece.title or (f"page {where['page']}" if "page" in where else None)
        chunks.append(ContentChunk(f"file:{file_id}#{number}", f"{filename} › {label}" if label else filename,
                                   piece.text, False, {**link, **where}))
    return chunks


HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def anchor_of(heading: str, seen: dict[str, int]) -> str:
    """GitHub's heading slug: lower case, punctuation dropped, spaces to `-`; a repeat gets `-1`, `-2`, …"""
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
    count = seen.get(slug, 0)
    seen[slug] = count + 1
    return f"{slug}-{count}" if count else slug


def sections_of(content: str) -> list[tuple[str | None, str | None, str]]:
    """A lesson's Markdown cut at its headings: (heading, anchor, text) — the text before the first heading has
    neither; a lesson without headings is one section."""
    sections: list[tuple[str | None, str | None, str]] = []
    seen: dict[str, int] = {}
    start, heading, anchor = 0, None, None
    for match in HEADING.finditer(content):
        text = content[start:match.start()].strip()
        if text or heading:
            sections.append((heading, anchor, text))
        heading = match.group(2).strip()
        anchor = anchor_of(heading, seen)
        start = match.end()
    sections.append((heading, anchor, content[start:].strip()))
    return sections
