"""Certificates as one-page PDFs: rendered with fpdf2 (the QR code of the verification URL drawn from segno's
matrix), stored in the files bucket at `certificates/<id>.pdf`, handed out through a short-lived presigned URL.

Rendered after the completion commits, and again whenever the stored one no longer matches the certificate:
`pdf_name` records the learner name it was drawn with, so a rename (`rename_learner`) or a lost first render is
repaired by the next download. Rendering is deterministic in the certificate, so a concurrent double render writes
the same document.

Text is set in DejaVu Sans (regular and bold, bundled in `chalicelib/assets/fonts` with its license, ~1.4 MB; fpdf2
embeds only the glyphs a page uses): Latin with its extensions, Greek and Cyrillic print as typed ("Zoë
Łukasiewicz", "Дмитрий", "Ελένη"). The font has no CJK glyphs (Chinese, Japanese, Korean): each character it lacks
prints as `?` rather than vanishing, and the render never fails; right-to-left scripts (Arabic, Hebrew) are neither
shaped nor reordered. The verification page shows the name exactly as stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.integrations import storage
from chalicelib.models import Certificate, Enrollment
from chalicelib.observability import logger
from chalicelib.services.accounts.emails import app_link
from chalicelib.services.core.db import condition_failed

URL_SECONDS = 300  # how long a download link lives
CONTENT_TYPE = "application/pdf"


def key_of(certificate_id: str) -> str:
    return f"certificates/{certificate_id}.pdf"


def verification_url(certificate_id: str) -> str:
    return app_link(f"certificates/{certificate_id}")


FONT = "DejaVuSans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}  # style → file in FONT_DIR
FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"


def _printable(text: str, cmap: dict[int, int]) -> str:
    """`text` with every character the current font has no glyph for replaced by `?` (fpdf2 would drop it)."""
    return "".join(char if ord(char) in cmap else "?" for char in text)


def render(certificate: Certificate) -> bytes:
    """The certificate's page (A4 landscape): learner, course, creator, date, id, verification URL and its QR code."""
    import segno
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    for style, filename in FONT_FILES.items():
        pdf.add_font(FONT, style, FONT_DIR / filename)
    pdf.set_auto_page_break(False)
    pdf.set_creator("Creator Marketplace")
    pdf.set_title(f"Certificate of completion - {certificate.course_title}")
    pdf.add_page()
    pdf.set_draw_color(40, 60, 110)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, 269, 182)

    def line(text: str, size: float, style: str = "", height: float = 12, gray: int = 30) -> None:
        pdf.set_font(FONT, style, size)
        pdf.set_text_color(gray, gray, gray + 20)
        pdf.set_x(20)
        pdf.cell(257, height, _printable(text, pdf.current_font.cmap), align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.set_y(30)
    line("CERTIFICATE OF COMPLETION", 26, "B", 16, 40)
    line("This certifies that", 13, "", 14, 90)
    line(certificate.learner_name, 30, "B", 18)
    line("has completed the course", 13, "", 12, 90)
    line(certificate.course_title, 20, "B", 14)
    line(f"by {certificate.creator_name}" if certificate.creator_name else "", 13, "", 10, 90)
    line(f"Completed on {certificate.completed_at.strftime('%d %B %Y')}", 12, "", 12, 60)

    url = verification_url(certificate.certificate_id)
    pdf.set_xy(24, 160)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(60, 60, 80)
    pdf.multi_cell(180, 6, f"Certificate {certificate.certificate_id}\nVerify it at {url}")  # ids and URL: ASCII
    matrix = segno.make(url, error="m").matrix
    module, left, top = 1.0, 287 - 24 - len(matrix), 196 - 12 - len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for column, dark in enumerate(row):
            if dark:
                pdf.rect(left + column * module, top + row_index * module, module, module, style="F")
    return bytes(pdf.output())


def store(certificate: Certificate) -> None:
    """Render and store the PDF, then record the name it shows (only if the certificate still has that name)."""
    storage.put(key_of(certificate.certificate_id), render(certificate), CONTENT_TYPE)
    try:
        certificate.update(actions=[Certificate.pdf_name.set(certificate.learner_name)],
                           condition=Certificate.learner_name == certificate.learner_name)
    except UpdateError as exc:
        if not condition_failed(exc):
            raise  # renamed meanwhile: the next download renders the new name


def store_quietly(certificate_id: str) -> None:
    """After the completion commits: render now, so the first download is instant (a failure is repaired then)."""
    try:
        store(Certificate.get(certificate_id, consistent_read=True))
    except Exception:  # noqa: BLE001 - the download renders it when this did not
        logger.exception("certificate PDF not rendered", extra={"certificate_id": certificate_id})


def download(certificate: Certificate) -> dict[str, Any]:
    """A short-lived URL of the PDF, rendered first when missing or stale."""
    if certificate.pdf_name != certificate.learner_name:
        store(certificate)
    filename = f"certificate-{certificate.certificate_id}.pdf"
    return {"certificate_id": certificate.certificate_id, "expires_in_seconds": URL_SECONDS,
            "url": storage.presign_get(key_of(certificate.certificate_id), filename, CONTENT_TYPE, URL_SECONDS)}


def rename_learner(user_id: str, display_name: str) -> int:
    """The learner chose a new display name: their certificates print it, PDFs rendered again. How many changed.
    One Query of the learner's enrollments (bounded by the courses they take), then one update per certificate."""
    changed = 0
    for enrollment in Enrollment.query(user_id, filter_condition=Enrollment.certificate_id.exists()):
        try:
            certificate = Certificate.get(enrollment.certificate_id)
        except DoesNotExist:
            continue
        if certificate.learner_name == display_name:
            continue
        certificate.update(actions=[Certificate.learner_name.set(display_name)])
        store_quietly(certificate.certificate_id)
        changed += 1
    return changed
