"""The text of deliverable files in pieces that know where they are (`services/search/extract.py`), the chunks the
library index gets from them, and captions merged into chunks with second offsets (`documents`)."""

from __future__ import annotations

import io
import json
import zipfile
from types import SimpleNamespace

import pytest

from chalicelib.services.core.webvtt import Cue
from chalicelib.services.search import documents, extract
from chalicelib.services.search.extract import pieces


def pdf(*pages: str) -> bytes:
    from fpdf import FPDF

    document = FPDF()
    document.set_font("Helvetica", size=12)
    for text in pages:
        document.add_page()
        if text:
            document.multi_cell(0, 10, text)
    return bytes(document.output())


def epub(chapters: dict[str, str], spine: list[str]) -> bytes:
    """An EPUB 3 as a reader expects it: mimetype, container.xml → OEBPS/content.opf, chapters in the spine."""
    manifest = "".join(f'<item id="{name}" href="text/{name}.xhtml" media-type="application/xhtml+xml"/>'
                       for name in chapters)
    refs = "".join(f'<itemref idref="{name}"/>' for name in spine)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:'
                         'names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" '
                         'media-type="application/oebps-package+xml"/></rootfiles></container>')
        archive.writestr("OEBPS/content.opf", '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" '
                         f'version="3.0"><manifest>{manifest}</manifest><spine>{refs}</spine></package>')
        for name, body in chapters.items():
            archive.writestr(f"OEBPS/text/{name}.xhtml", f'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t'
                             f'</title><style>p {{ color: red }}</style></head><body>{body}</body></html>')
    return buffer.getvalue()


def test_a_pdf_gives_a_piece_per_page_with_its_number():
    found = pieces("application/pdf", pdf("Welcome to the guide.", "", "Hydration ratios for a levain."))
    assert [(piece.where, "levain" in piece.text) for piece in found] == [({"page": 1}, False), ({"page": 3}, True)]
    chunks = documents.file_chunks("fil_1", "guide.pdf", found)
    assert chunks[1].title == "guide.pdf › page 3" and chunks[1].is_free_preview is False
    assert chunks[1].link == {"kind": "file", "file_id": "fil_1", "filename": "guide.pdf", "page": 3}


def test_a_pdf_is_read_up_to_the_page_bound(monkeypatch):
    monkeypatch.setattr(extract, "MAX_PDF_PAGES", 2)
    assert [p.where["page"] for p in pieces("application/pdf", pdf("one", "two", "three"))] == [1, 2]


def test_an_epub_gives_its_chapters_in_reading_order_titled_by_their_heading():
    book = epub({"a": "<h1>Appendix</h1><p>Tables of flour weights.</p>",
                 "b": "<h2>Starting out</h2><p>Feed the <b>levain</b> daily.</p><script>var x = 'hidden';</script>"},
                spine=["b", "a"])
    found = pieces("application/epub+zip", book)
    assert [(p.title, p.where) for p in found] == [("Starting out", {"chapter": 1}), ("Appendix", {"chapter": 2})]
    assert "Feed the levain daily." in found[0].text and "hidden" not in found[0].text and "color" not in found[0].text


def test_markdown_sections_carry_the_lesson_anchor_rule():
    text = (b"Intro line.\n\n## Cold emails\nWrite short.\n\n## Cold emails\nFollow up twice.\n\n"
            b"### Subject: lines!\nAsk.")
    found = pieces("text/markdown", text)
    assert [(p.title, p.where.get("anchor")) for p in found] == [
        (None, None), ("Cold emails", "cold-emails"), ("Cold emails", "cold-emails-1"), ("Subject: lines!",
                                                                                          "subject-lines")]
    assert documents.file_chunks("f", "pack.md", found)[2].title == "pack.md › Cold emails"


def test_prompt_packs_give_a_piece_per_prompt():
    csv_pack = b"title,prompt\nCold email,Write a cold email to {name}\n,\nBlog outline,Outline a post on {topic}\n"
    assert [(p.title, p.text, p.where) for p in pieces("text/csv", csv_pack)] == [
        ("Cold email", "title: Cold email\nprompt: Write a cold email to {name}", {"entry": 1}),
        ("Blog outline", "title: Blog outline\nprompt: Outline a post on {topic}", {"entry": 3})]
    json_pack = json.dumps({"name": "Pack", "prompts": [{"title": "Tweet", "prompt": "Summarise {url}", "tags": ["x"]},
                                                        {"prompt": "Rewrite politely"}]}).encode()
    assert [(p.title, p.text, p.where) for p in pieces("application/json", json_pack)] == [
        ("Tweet", "Summarise {url}\nx", {"entry": 1}), (None, "Rewrite politely", {"entry": 2})]
    text_pack = b"Act as a tutor.\nExplain {topic}.\n\n\nAct as an editor.\n"
    assert [(p.text, p.where) for p in pieces("text/plain", text_pack)] == [
        ("Act as a tutor.\nExplain {topic}.", {"entry": 1}), ("Act as an editor.", {"entry": 2})]


def test_long_text_is_cut_into_bounded_parts_and_the_file_into_bounded_pieces(monkeypatch):
    paragraph = "word " * 700  # 3,500 characters: two paragraphs never fit one part
    found = pieces("text/markdown", f"## Long\n{paragraph}\n\n{paragraph}\n\n{paragraph}".encode())
    assert len(found) == 3 and all(len(p.text) <= extract.PIECE_CHARS for p in found)
    assert {p.where["anchor"] for p in found} == {"long"}
    monkeypatch.setattr(extract, "MAX_PIECES", 2)
    assert len(pieces("text/csv", b"h\n" + b"row\n" * 10)) == 2


@pytest.mark.parametrize(("content_type", "data"), [
    ("application/pdf", b"%PDF-1.7\n" + b"x" * 100), ("application/epub+zip", b"PK\x03\x04broken"),
    ("application/json", b"{not json"), ("image/png", b"\x89PNG\r\n\x1a\n"),
])
def test_files_without_readable_text_give_nothing_and_never_raise(content_type, data):
    assert pieces(content_type, data) == []
    (chunk,) = documents.file_chunks("fil_9", "art.png", [])
    assert (chunk.title, chunk.text, chunk.link["file_id"]) == ("art.png", "", "fil_9")  # found by its name


def test_captions_merge_adjacent_cues_and_open_at_the_first_cues_second():
    lesson = SimpleNamespace(lesson_id="les_1", slug="partitions", title="Partitions")
    sentence = "Spread the writes of a hot partition over many keys, each with a random suffix of a few digits."
    assert len(sentence) * 2 > documents.CAPTION_CHUNK_CHARS // 2 > len(sentence)  # two sentences end a chunk
    cues = [Cue(1_500, 4_000, sentence), Cue(4_000, 7_000, ""), Cue(7_000, 9_000, sentence),
            Cue(61_900, 64_000, "Then watch the throttling metric closely."), Cue(64_000, 66_000, "Then relax."),
            Cue(3_725_000, 3_726_000, "Bye.")]
    chunks = documents.caption_chunks(lesson, "en", cues, is_free_preview=True)
    assert [(c.link["start_seconds"], c.title) for c in chunks] == [(1, "Partitions › 00:01"),
                                                                    (61, "Partitions › 01:01"),
                                                                    (3725, "Partitions › 1:02:05")]  # far apart
    assert chunks[0].text == f"{sentence} {sentence}" and chunks[1].text.endswith("metric closely. Then relax.")
    assert chunks[0].link == {"kind": "captions", "lesson_id": "les_1", "lesson_slug": "partitions",
                              "start_seconds": 1, "language": "en"}
    assert all(c.is_free_preview for c in chunks) and len({c.chunk_id for c in chunks}) == 3


def test_a_long_piece_is_cut_at_a_paragraph_before_a_line_or_a_word():
    first, second = "a" * 3000, ("b " * 600).strip() + "\n" + "c" * 100
    (one, two) = extract._split(extract.Piece("T", f"{first}\n\n{second}", {"page": 4}))
    assert (one.text, two.text, two.where) == (first, second, {"page": 4})
