"""The text of a deliverable file, in pieces that each say where they are (pure: bytes in, pieces out).

- PDF (pypdf, imported here only): one piece per page with text, `page` 1-based.
- EPUB (a ZIP of XHTML: stdlib zipfile + html.parser): the reading order of the package's spine, one piece per
  chapter document (`chapter` 1-based in that order), titled by its first heading.
- Markdown and plain text: cut at Markdown headings (`documents.sections_of`, the same anchors as lessons); plain
  text without headings, one piece per paragraph (`entry`: a prompt of a prompt pack is usually one).
- CSV: one piece per data row (`entry` 1-based), each value labelled with its column's header.
- JSON: one piece per item of the top-level list (or of the largest list in the top-level object), `entry`
  1-based; its strings are the text, a `title`/`name`-like key the title.
Other types (images, ZIP, Office documents) have no text here.

Bounds, so a hostile or huge file costs a bounded amount of work: at most `MAX_PIECES` pieces and `MAX_CHARS`
characters per file, `MAX_PDF_PAGES` pages and `PDF_SECONDS` of PDF parsing, EPUB members read up to
`MAX_EPUB_BYTES` decompressed in all; a long piece is cut at paragraphs into parts of at most `PIECE_CHARS` (same
deep link). The caller reads at most `MAX_EXTRACT_BYTES` of a file (of a line-based text file, its first
`MAX_PREFIX_BYTES`). A file that cannot be parsed gives the pieces
read before the failure and a warning, never an error: the upload it came from stays ready.
"""

from __future__ import annotations

import csv
import io
import json
import posixpath
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree

from chalicelib.observability import logger
from chalicelib.services.search.documents import sections_of

MAX_EXTRACT_BYTES = 25 * 1024 * 1024  # larger PDF, EPUB and JSON files are found by name only
MAX_CHARS = 400_000
MAX_PIECES = 500  # on AWS each piece is one embedding call: a file costs at most ~30 s of the indexer's 300
PREFIX_TYPES = ("text/markdown", "text/plain", "text/csv")  # line-based: their start is readable alone
MAX_PREFIX_BYTES = 4 * MAX_CHARS  # all the characters that can be indexed, at up to 4 UTF-8 bytes each
MAX_PDF_PAGES = 500
PDF_SECONDS = 3.0
MAX_EPUB_BYTES = 50 * 1024 * 1024
PIECE_CHARS = 4_000
TEXT_TYPES = ("text/markdown", "text/plain", "text/csv", "application/json")
EXTRACTABLE = ("application/pdf", "application/epub+zip", *TEXT_TYPES)
TITLE_KEYS = ("title", "name", "act", "label", "heading")


@dataclass(frozen=True)
class Piece:
    title: str | None  # a heading, chapter or entry title; None: the file's name is title enough
    text: str
    where: dict[str, Any] = field(default_factory=dict)  # page | chapter | anchor | entry


def pieces(content_type: str, data: bytes) -> list[Piece]:
    """The file's text pieces, bounded (see the module); [] for types without text or when nothing was read."""
    reader = _READERS.get(content_type)
    if reader is None:
        return []
    found: list[Piece] = []
    chars = 0
    try:
        for piece in reader(data):
            for part in _split(piece):
                if len(found) >= MAX_PIECES or chars >= MAX_CHARS:
                    logger.warning("file text cut at the indexing bounds", extra={"content_type": content_type,
                                                                                  "pieces": len(found)})
                    return found
                found.append(part)
                chars += len(part.text)
    except Exception as exc:  # noqa: BLE001 - a broken file must not fail its upload: index what was read
        logger.warning("file text extraction failed", extra={"content_type": content_type, "pieces": len(found),
                                                             "error": f"{type(exc).__name__}: {exc}"[:300]})
    return found


def _split(piece: Piece) -> Iterator[Piece]:
    """A piece longer than PIECE_CHARS as parts cut at paragraph (else line, else hard) boundaries."""
    text = piece.text.strip()
    while len(text) > PIECE_CHARS:
        cuts = (text.rfind(separator, 0, PIECE_CHARS) for separator in ("\n\n", "\n", " "))
        cut = next((at for at in cuts if at > PIECE_CHARS // 4), PIECE_CHARS)
        yield Piece(piece.title, text[:cut].strip(), piece.where)
        text = text[cut:].strip()
    if text or piece.title:
        yield Piece(piece.title, text, piece.where)


def _decode(data: bytes) -> str:
    """UTF-8 (what the upload check accepts), a character cut at the end of a bounded read forgiven."""
    return data.decode("utf-8", errors="ignore").removeprefix("\ufeff")


# --- readers ----------------------------------------------------------------------------------------


def _pdf(data: bytes) -> Iterator[Piece]:
    from pypdf import PdfReader

    deadline = time.monotonic() + PDF_SECONDS
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        logger.warning("an encrypted PDF: no text indexed")
        return
    for number, page in enumerate(reader.pages, start=1):
        if number > MAX_PDF_PAGES or time.monotonic() > deadline:
            logger.warning("PDF text cut at the page or time bound", extra={"pages_read": number - 1})
            return
        text = page.extract_text() or ""
        if text.strip():
            yield Piece(None, text, {"page": number})


def _markdown(data: bytes) -> Iterator[Piece]:
    for heading, anchor, text in sections_of(_decode(data)):
        yield Piece(heading, text, {"anchor": anchor} if anchor else {})


def _plain_text(data: bytes) -> Iterator[Piece]:
    content = _decode(data)
    sections = sections_of(content)
    if len(sections) > 1:  # Markdown-style headings in a .txt: sections, like Markdown
        yield from _markdown(data)
        return
    paragraphs = [block.strip() for block in content.replace("\r\n", "\n").split("\n\n") if block.strip()]
    for number, paragraph in enumerate(paragraphs, start=1):
        yield Piece(None, paragraph, {"entry": number})


def _csv(data: bytes) -> Iterator[Piece]:
    rows = csv.reader(io.StringIO(_decode(data)))
    header = [name.strip() for name in next(rows, [])]
    for number, row in enumerate(rows, start=1):
        values = [value.strip() for value in row]
        if not any(values):
            continue
        lines = [f"{header[i]}: {value}" if i < len(header) and header[i] else value
                 for i, value in enumerate(values) if value]
        yield Piece(_short(next(value for value in values if value)), "\n".join(lines), {"entry": number})


def _json(data: bytes) -> Iterator[Piece]:
    document = json.loads(_decode(data))
    items = document if isinstance(document, list) else None
    if isinstance(document, dict):
        lists = [value for value in document.values() if isinstance(value, list) and value]
        items = max(lists, key=len) if lists else None
    if items is None:
        yield Piece(None, "\n".join(_strings(document)), {})
        return
    for number, item in enumerate(items, start=1):
        title = next((item[key] for key in TITLE_KEYS if isinstance(item, dict) and isinstance(item.get(key), str)),
                     None)
        text = "\n".join(value for value in _strings(item) if value != title)
        yield Piece(_short(title) if title else None, text, {"entry": number})


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string in a JSON value, depth first (bounded depth)."""
    if isinstance(value, str):
        if value.strip():
            yield value.strip()
    elif depth < 20 and isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif depth < 20 and isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1)


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --- EPUB -------------------------------------------------------------------------------------------

_CONTAINER = "META-INF/container.xml"
_HTML_TYPES = ("application/xhtml+xml", "text/html")


def _epub(data: bytes) -> Iterator[Piece]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    budget = MAX_EPUB_BYTES
    for number, name in enumerate(_reading_order(archive), start=1):
        info = archive.getinfo(name)
        if info.file_size > budget:
            logger.warning("EPUB text cut at the decompressed-size bound", extra={"chapters_read": number - 1})
            return
        budget -= info.file_size
        with archive.open(info) as member:
            title, text = _html_text(member.read(info.file_size).decode("utf-8", errors="replace"))
        if text.strip():
            yield Piece(title, text, {"chapter": number})


def _reading_order(archive: zipfile.ZipFile) -> list[str]:
    """The spine's documents in order (container.xml → the package document); without a usable package, the
    archive's (X)HTML files by name."""
    names = set(archive.namelist())
    try:
        container = ElementTree.fromstring(archive.read(_CONTAINER))  # noqa: S314 - expat refuses entity bombs
        rootfile = next(el.get("full-path") for el in container.iter() if el.tag.endswith("rootfile"))
        package = ElementTree.fromstring(archive.read(rootfile))  # noqa: S314
        base = posixpath.dirname(rootfile)
        manifest = {item.get("id"): item for item in package.iter() if item.tag.endswith("}item")}
        order = []
        for ref in (el for el in package.iter() if el.tag.endswith("itemref")):
            item = manifest.get(ref.get("idref"))
            if item is not None and item.get("media-type") in _HTML_TYPES:
                path = posixpath.normpath(posixpath.join(base, item.get("href", "")))
                if path in names:
                    order.append(path)
        if order:
            return order
    except (KeyError, StopIteration, ElementTree.ParseError):
        pass
    return sorted(name for name in names if name.lower().endswith((".xhtml", ".html", ".htm")))


class _Text(HTMLParser):
    """Visible text of an (X)HTML document, paragraphs kept apart, and its first heading."""

    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "pre", "section"}
    HIDDEN = {"script", "style", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.heading: list[str] | None = None
        self.title: str | None = None
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        if tag in ("h1", "h2", "h3") and self.title is None:
            self.heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        if tag in ("h1", "h2", "h3") and self.heading is not None:
            self.title = _short(" ".join(self.heading)) or None
            self.heading = None

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        self.parts.append(data)
        if self.heading is not None:
            self.heading.append(data)


def _html_text(markup: str) -> tuple[str | None, str]:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    paragraphs = (" ".join(block.split()) for block in "".join(parser.parts).split("\n\n"))
    return parser.title, "\n\n".join(block for block in paragraphs if block)


_READERS = {"application/pdf": _pdf, "application/epub+zip": _epub, "text/markdown": _markdown,
            "text/plain": _plain_text, "text/csv": _csv, "application/json": _json}
