"""Certificates as PDFs: rendered on completion into the files bucket, downloaded by anyone holding the id through a
short-lived URL, and drawn again when the learner changes their display name. The page is checked as a reader sees
it: pdftotext for the words, pdftoppm for the picture (the QR code is really drawn). poppler-utils comes with
`make test` (`make poppler`)."""

from __future__ import annotations

import subprocess

import pytest
import requests


@pytest.fixture
def completed(api) -> str:
    """bob completed alice's one-lesson course: his certificate id. The files bucket exists, as in the runtime."""
    from chalicelib.models import Enrollment
    from chalicelib.services.catalog import products
    from chalicelib.services.courses import lessons, modules
    from local.resources import create_buckets
    from tests.support.courses import grant

    create_buckets()
    api.creator("alice")
    pid = api.product("alice", product_type="course", title="Bread & Butter Basics")["product_id"]
    module = modules.add_module("alice", pid, {"title": "All"}).module_id
    lesson = lessons.add_lesson("alice", pid, module, {"title": "Only", "content_type": "text", "content": "hi"})
    products.publish_product("alice", pid)
    grant("bob", pid)
    done = api.call("PUT", f"/v1/products/{pid}/lessons/{lesson['lesson_id']}/progress", "bob", {"is_completed": True})
    assert done.json["enrollment"]["is_completed"] is True, done.json
    return Enrollment.get("bob", pid).certificate_id


def _download(api, certificate_id: str, tmp_path) -> str:
    """The PDF behind the public route, as text (pdftotext); its page is rendered (pdftoppm) and checked for the QR."""
    from PIL import Image

    answer = api.call("GET", f"/v1/certificates/{certificate_id}/pdf")
    assert answer.status_code == 200, answer.json
    assert answer.json["certificate_id"] == certificate_id and answer.json["expires_in_seconds"] == 300
    assert "X-Amz-Signature=" in answer.json["url"]
    body = requests.get(answer.json["url"], timeout=10).content
    assert body.startswith(b"%PDF-")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(body)
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", str(path), str(tmp_path / "page")], check=True)
    page = Image.open(tmp_path / "page.png").convert("L")
    width, height = page.size
    assert width > height  # landscape
    corner = page.crop((int(width * 0.75), int(height * 0.7), int(width * 0.95), int(height * 0.95)))
    dark = sum(corner.histogram()[:100])
    assert dark > corner.size[0] * corner.size[1] * 0.2  # the QR code's modules, bottom right
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_the_pdf_names_the_learner_course_creator_date_and_how_to_verify(api, completed, tmp_path):
    from chalicelib.integrations import storage
    from chalicelib.models import Certificate

    certificate = Certificate.get(completed)
    assert storage.head(f"certificates/{completed}.pdf") is not None  # rendered on completion
    assert certificate.pdf_name == "Bob"
    text = _download(api, completed, tmp_path)
    for expected in ("CERTIFICATE OF COMPLETION", "Bob", "Bread & Butter Basics", "by Alice",
                     f"Completed on {certificate.completed_at.strftime('%d %B %Y')}", f"Certificate {completed}",
                     f"http://localhost:5173/certificates/{completed}"):
        assert expected in text, expected


def test_a_new_display_name_is_printed_on_a_new_pdf(api, completed, tmp_path):
    assert api.call("PATCH", "/v1/me", "bob", {"display_name": "Robert Smith"}).status_code == 200
    assert api.call("GET", f"/v1/certificates/{completed}").json["learner_name"] == "Robert Smith"
    text = _download(api, completed, tmp_path)
    assert "Robert Smith" in text and "Bob\n" not in text


def test_a_missing_pdf_is_rendered_on_download(api, completed, tmp_path):
    from chalicelib.integrations import storage
    from chalicelib.models import Certificate

    storage.delete(f"certificates/{completed}.pdf")
    Certificate(completed).update(actions=[Certificate.pdf_name.remove()])
    assert "Bread & Butter Basics" in _download(api, completed, tmp_path)


def test_unknown_certificates_have_no_pdf(api):
    assert api.call("GET", "/v1/certificates/cert_nothing/pdf").status_code == 404


@pytest.mark.parametrize(("name", "printed"), [
    ("Zoë Łukasiewicz", "Zoë Łukasiewicz"),  # Latin beyond Latin-1 (printed as "Zo? ?ukasiewicz" before the font)
    ("Дмитрий Ελένη", "Дмитрий Ελένη"),  # Cyrillic and Greek
    ("山田 Taro", "?? Taro"),  # CJK: not in the bundled font, each character a "?" (never dropped, never a failure)
])
def test_names_outside_latin_1_are_printed_in_the_embedded_font(api, completed, tmp_path, name, printed):
    assert api.call("PATCH", "/v1/me", "bob", {"display_name": name}).status_code == 200
    text = _download(api, completed, tmp_path)
    assert printed in text, text
    fonts = subprocess.run(["pdffonts", str(tmp_path / "certificate.pdf")], check=True, capture_output=True,
                           text=True).stdout
    assert "DejaVuSans" in fonts and "Helvetica" not in fonts  # embedded, subset: the TrueType font, nothing else
