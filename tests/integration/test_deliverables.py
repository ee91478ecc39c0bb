"""Deliverable files: presigned upload for real, server-side verification, access-checked downloads, the log.

The upload really goes through the presigned URL with `requests`: moto's in-process `mock_aws` patches botocore
AND `requests` (through the `responses` library), so the PUT lands in the mocked bucket. moto enforces
no presigned policy at all with SigV4 (the signed Content-Type, size, expiry): a wrong type or size is stored
as sent, which is exactly what `complete`'s server-side check (HeadObject) must catch.
"""

from __future__ import annotations

import boto3
import pytest
import requests

PDF = b"%PDF-1.7\n" + b"x" * 1000


@pytest.fixture
def shop(api):
    """alice sells an ebook; bob bought it; carol did not. The files bucket exists (created like the runtime does)."""
    from chalicelib.models import Product
    from chalicelib.services.access import grants
    from local.resources import create_buckets

    create_buckets()
    api.creator("alice")
    book = api.published("alice", title="Book", price_cents=1999)
    grants.grant("bob", dict(Product.get(book["product_id"]).attribute_values), "purchased")
    return api, book["product_id"]


def start(api, product_id, user="alice", **fields):
    body = {"filename": "guide.pdf", "content_type": "application/pdf", "size_bytes": len(PDF), **fields}
    return api.call("POST", f"/v1/products/{product_id}/files", user, body)


def upload(api, product_id, data=PDF, content_type="application/pdf", **fields):
    started = start(api, product_id, content_type=content_type, **fields)
    assert started.status_code == 201, started.json
    put = started.json["upload"]
    assert put["method"] == "PUT" and put["expires_in_seconds"] <= 900
    response = requests.put(put["url"], data=data, headers=put["headers"], timeout=10)
    assert response.status_code == 200, response.text
    return started.json["file"]["file_id"]


def complete(api, product_id, file_id, user="alice"):
    return api.call("POST", f"/v1/products/{product_id}/files/{file_id}/complete", user)


def s3_keys() -> list[str]:
    from chalicelib.config import get_settings

    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=get_settings().files_bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_upload_verify_list_download_and_log(shop):
    api, product_id = shop
    file_id = upload(api, product_id)
    listed = api.call("GET", f"/v1/products/{product_id}/files", "alice").json["items"]
    assert [(f["file_id"], f["status"]) for f in listed] == [(file_id, "pending")]
    assert api.call("GET", f"/v1/products/{product_id}/files", "bob").json["items"] == []  # not ready yet
    assert api.call("GET", f"/v1/products/{product_id}/files/{file_id}/download", "bob").status_code == 404

    done = complete(api, product_id, file_id)
    assert done.status_code == 200, done.json
    assert done.json["status"] == "ready" and done.json["size_bytes"] == len(PDF)
    assert complete(api, product_id, file_id).json["status"] == "ready"  # idempotent
    assert [f["file_id"] for f in api.call("GET", f"/v1/products/{product_id}/files", "bob").json["items"]] == [file_id]

    got = api.call("GET", f"/v1/products/{product_id}/files/{file_id}/download", "bob",
                   headers={"User-Agent": "pytest-browser/1.0"})
    assert got.status_code == 200, got.json
    assert got.json["expires_in_seconds"] == 300 and got.json["filename"] == "guide.pdf"
    fetched = requests.get(got.json["url"], timeout=10)
    assert fetched.status_code == 200 and fetched.content == PDF
    assert fetched.headers["Content-Disposition"].startswith('attachment; filename="guide.pdf"')

    log = api.call("GET", f"/v1/products/{product_id}/downloads", "alice")
    assert log.status_code == 200
    (row,) = log.json["items"]
    assert row["user_id"] == "bob" and row["file_id"] == file_id and row["access_reason"] == "purchased"
    assert row["user_agent"] == "pytest-browser/1.0" and row["ip"]
    assert api.call("GET", f"/v1/products/{product_id}/downloads", "bob").status_code == 404


def test_only_owner_and_buyers_get_files(shop):
    from chalicelib.models import AccessGrant

    api, product_id = shop
    file_id = upload(api, product_id)
    assert complete(api, product_id, file_id).status_code == 200
    for user in ("carol", None):
        assert api.call("GET", f"/v1/products/{product_id}/files/{file_id}/download", user).status_code == (
            404 if user else 401)
        assert api.call("GET", f"/v1/products/{product_id}/files", user).status_code == (404 if user else 401)
    assert api.call("GET", f"/v1/products/{product_id}/files/{file_id}/download", "alice").status_code == 200
    AccessGrant("bob", product_id).update(actions=[AccessGrant.status.set("revoked")])  # refunded
    assert api.call("GET", f"/v1/products/{product_id}/files/{file_id}/download", "bob").status_code == 404
    # Only the owner may upload, complete, delete or read the log.
    assert start(api, product_id, "carol").status_code == 404
    assert complete(api, product_id, file_id, "bob").status_code == 404
    assert api.call("DELETE", f"/v1/products/{product_id}/files/{file_id}", "bob").status_code == 404
    assert api.call("GET", f"/v1/products/{product_id}/downloads", "carol").status_code == 404
    log = api.call("GET", f"/v1/products/{product_id}/downloads", "alice").json["items"]
    assert [row["user_id"] for row in log] == ["alice"]


def test_wrong_size_is_rejected_and_deleted(shop):
    api, product_id = shop
    file_id = upload(api, product_id, data=PDF + b"more bytes than declared")
    assert len(s3_keys()) == 1
    rejected = complete(api, product_id, file_id)
    assert rejected.status_code == 422
    assert "declared" in rejected.json["error"]["details"][0]["msg"]
    assert s3_keys() == []
    (listed,) = api.call("GET", f"/v1/products/{product_id}/files", "alice").json["items"]
    assert listed["status"] == "rejected" and "bytes" in listed["rejection_reason"]
    assert api.call("GET", f"/v1/products/{product_id}/files/{file_id}/download", "bob").status_code == 404
    assert complete(api, product_id, file_id).status_code == 409


def test_wrong_type_is_rejected_after_upload(shop):
    api, product_id = shop
    started = start(api, product_id)
    put = started.json["upload"]
    assert "content-type" in put["url"].lower()  # S3 binds the signed Content-Type (X-Amz-SignedHeaders)...
    # ...moto does not enforce it (nor the size, nor expiry): the PUT with another type is stored anyway,
    assert requests.put(put["url"], data=PDF, headers={"Content-Type": "text/html"}, timeout=10).status_code == 200
    # and the server-side check catches it.
    rejected = complete(api, product_id, started.json["file"]["file_id"])
    assert rejected.status_code == 422 and "text/html" in rejected.json["error"]["details"][0]["msg"]
    assert s3_keys() == []


def test_missing_upload_is_422_and_stays_pending(shop):
    api, product_id = shop
    file_id = start(api, product_id).json["file"]["file_id"]
    assert complete(api, product_id, file_id).status_code == 422
    (listed,) = api.call("GET", f"/v1/products/{product_id}/files", "alice").json["items"]
    assert listed["status"] == "pending"


@pytest.mark.parametrize("fields", [
    {"content_type": "text/html", "filename": "x.html"}, {"content_type": "application/x-msdownload"},
    {"filename": "guide.exe"}, {"size_bytes": 0}, {"size_bytes": 3 * 1024 ** 3}, {"size_bytes": "10"},
    {"status": "ready"},
])
def test_upload_requests_are_validated(shop, fields):
    api, product_id = shop
    assert start(api, product_id, **fields).status_code == 422, fields


def test_courses_have_no_files_and_delete_removes_object(shop):
    api, product_id = shop
    course = api.product("alice", product_type="course", title="Course")
    assert start(api, course["product_id"]).status_code == 422
    file_id = upload(api, product_id, filename="sheet.xlsx", size_bytes=5, data=b"PK\x03\x04\x14",
                     content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert complete(api, product_id, file_id).status_code == 200
    assert api.call("DELETE", f"/v1/products/{product_id}/files/{file_id}", "alice").status_code == 204
    assert s3_keys() == []
    assert api.call("GET", f"/v1/products/{product_id}/files", "alice").json["items"] == []
    assert api.call("GET", f"/v1/products/{product_id}/files/{file_id}/download", "bob").status_code == 404


ZIP = b"PK\x03\x04" + b"\x14\x00" + b"z" * 500
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"j" * 200
TEXT = b"a" * 4095 + "— naïve café\n".encode()  # the sniffed 4096-byte prefix ends inside "—"


@pytest.mark.parametrize("data, content_type, filename", [
    (ZIP, "application/pdf", "guide.pdf"),  # ZIP bytes declared as a PDF (before: `ready`)
    (PDF, "application/zip", "pack.zip"),
    (PDF, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "doc.docx"),
    (JPEG, "image/png", "cover.png"),
    (PNG, "image/jpeg", "cover.jpg"),
    (b"plain\x00binary", "text/plain", "notes.txt"),
    (b"caf\xe9 latin-1", "text/csv", "rows.csv"),
])
def test_content_that_is_not_its_declared_type_is_rejected(shop, data, content_type, filename):
    api, product_id = shop
    file_id = upload(api, product_id, data=data, content_type=content_type, filename=filename, size_bytes=len(data))
    rejected = complete(api, product_id, file_id)
    assert rejected.status_code == 422, rejected.json
    assert s3_keys() == []
    (listed,) = api.call("GET", f"/v1/products/{product_id}/files", "alice").json["items"]
    assert listed["status"] == "rejected" and listed["rejection_reason"] == rejected.json["error"]["details"][0]["msg"]
    assert api.call("GET", f"/v1/products/{product_id}/files", "bob").json["items"] == []
    assert api.call("GET", f"/v1/products/{product_id}/files/{file_id}/download", "bob").status_code == 404


@pytest.mark.parametrize("data, content_type, filename", [
    (ZIP, "application/zip", "pack.zip"),
    (ZIP, "application/epub+zip", "book.epub"),
    (ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "sheet.xlsx"),
    (PNG, "image/png", "cover.png"),
    (JPEG, "image/jpeg", "cover.jpeg"),
    (TEXT, "text/markdown", "prompts.md"),
    (b"a,b\n1,2\n", "text/csv", "rows.csv"),
])
def test_content_of_its_declared_type_is_accepted(shop, data, content_type, filename):
    api, product_id = shop
    file_id = upload(api, product_id, data=data, content_type=content_type, filename=filename, size_bytes=len(data))
    done = complete(api, product_id, file_id)
    assert done.status_code == 200 and done.json["status"] == "ready", done.json
