"""Video upload sessions through the API on moto: real bytes PUT to the presigned part URLs (moto's `mock_aws`
intercepts `requests`), resume, abort, completion and its checks on the stored object, status polling, listing.

moto enforces S3's 5 MiB minimum for every part but the last, so multi-part tests upload 8 MiB + a tail.
"""

from __future__ import annotations

import os
from dataclasses import replace

import boto3
import pytest
import requests

from tests.support.video import create_video_buckets

MIB = 1024 * 1024


@pytest.fixture
def studio(api):
    """alice is a creator; the video buckets exist."""
    create_video_buckets()
    api.creator("alice")
    return api


def start(api, user="alice", **fields):
    body = {"filename": "talk.mp4", "content_type": "video/mp4", "size_bytes": 1000, **fields}
    return api.call("POST", "/v1/videos/uploads", user, body)


def put_parts(urls, data: bytes, part_size: int) -> list[dict]:
    """PUT each part's bytes to its URL, as a browser would; returns the parts for `complete`."""
    parts = []
    for entry in urls:
        number = entry["part_number"]
        chunk = data[(number - 1) * part_size:number * part_size]
        response = requests.put(entry["url"], data=chunk, timeout=30)
        assert response.status_code == 200, response.text
        parts.append({"part_number": number, "etag": response.headers["ETag"]})
    return parts


def complete(api, video_id, parts, user="alice"):
    return api.call("POST", f"/v1/videos/{video_id}/complete", user, {"parts": parts})


def uploaded_keys() -> list[str]:
    from chalicelib.config import get_settings

    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=get_settings().uploads_bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def open_uploads() -> list[str]:
    from chalicelib.config import get_settings

    listed = boto3.client("s3", region_name="us-east-1").list_multipart_uploads(Bucket=get_settings().uploads_bucket)
    return [item["Key"] for item in listed.get("Uploads", [])]


def test_two_part_upload_resumes_completes_and_stores_the_exact_bytes(studio):
    api = studio
    data = os.urandom(8 * MIB + 1234)
    started = start(api, filename="../My Talk?.mp4", size_bytes=len(data))
    assert started.status_code == 201, started.json
    video, upload = started.json["video"], started.json["upload"]
    assert video["status"] == "pending" and video["filename"] == "My Talk_.mp4"
    assert "upload_id" not in video and "upload_id" not in upload  # stays server side
    assert upload["part_size_bytes"] == 8 * MIB and upload["part_count"] == 2
    assert [p["part_number"] for p in upload["parts"]] == [1, 2] and upload["uploaded_parts"] == []
    first = put_parts(upload["parts"][:1], data, upload["part_size_bytes"])  # interrupted after part 1

    resumed = api.call("GET", f"/v1/videos/{video['video_id']}/upload", "alice")
    assert resumed.status_code == 200, resumed.json
    assert resumed.json["video"]["status"] == "uploading"
    assert [(p["part_number"], p["size_bytes"]) for p in resumed.json["upload"]["uploaded_parts"]] == [(1, 8 * MIB)]
    assert resumed.json["upload"]["uploaded_parts"][0]["etag"] == first[0]["etag"].strip('"')
    assert [p["part_number"] for p in resumed.json["upload"]["parts"]] == [2]  # URLs only for what is missing
    second = put_parts(resumed.json["upload"]["parts"], data, upload["part_size_bytes"])

    done = complete(api, video["video_id"], first + second)
    assert done.status_code == 200, done.json
    assert done.json["status"] == "processing" and done.json["original_size_bytes"] == len(data)
    from chalicelib.config import get_settings

    stored = boto3.client("s3", region_name="us-east-1").get_object(
        Bucket=get_settings().uploads_bucket, Key=f"uploads/alice/{video['video_id']}/source")
    assert stored["Body"].read() == data and stored["ContentType"] == "video/mp4"

    polled = api.call("GET", f"/v1/videos/{video['video_id']}", "alice")
    assert polled.status_code == 200 and polled.json["status"] == "processing" and polled.json["variants"] == []
    listed = api.call("GET", "/v1/videos", "alice").json
    assert [v["video_id"] for v in listed["items"]] == [video["video_id"]]


def test_complete_twice_completes_once_and_calls_s3_nothing_the_second_time(studio, monkeypatch):
    api = studio
    data = os.urandom(1000)
    started = start(api, size_bytes=len(data)).json
    parts = put_parts(started["upload"]["parts"], data, started["upload"]["part_size_bytes"])
    video_id = started["video"]["video_id"]
    first = complete(api, video_id, parts)
    assert first.status_code == 200 and first.json["status"] == "processing"

    from chalicelib.integrations import storage

    def no_s3(*args, **kwargs):
        raise AssertionError("a repeated complete must not call S3")

    for name in ("complete_multipart", "head", "delete", "list_parts", "abort_multipart"):
        monkeypatch.setattr(storage, name, no_s3)
    again = complete(api, video_id, parts)
    assert again.status_code == 200, again.json
    assert again.json == first.json  # the asset exactly as it was
    # The uploads bucket's event fires once per object: one object was created.
    assert uploaded_keys() == [f"uploads/alice/{video_id}/source"]


@pytest.mark.parametrize(("fields", "where"), [
    ({"size_bytes": 0}, "size_bytes"),
    ({"size_bytes": -5}, "size_bytes"),
    ({"size_bytes": 5 * 1024 ** 3 + 1}, "size_bytes"),
    ({"content_type": "application/pdf"}, "content_type"),
    ({"content_type": "image/gif"}, "content_type"),
    ({"filename": "???"}, "filename"),
    ({"product_id": "prd_x"}, "lesson_id"),
])
def test_limits_are_refused_at_creation_with_a_clear_422(studio, fields, where):
    response = start(studio, **fields)
    assert response.status_code == 422, response.json
    assert response.json["error"]["details"][0]["loc"] == ["body", where]
    assert open_uploads() == []  # nothing was started in S3


def test_other_allowed_types_and_large_sizes_get_a_bigger_part_size(studio):
    from chalicelib.services.video.uploads import part_plan

    response = start(studio, content_type="video/quicktime", filename="clip.mov", size_bytes=5 * 1024 ** 3)
    assert response.status_code == 201, response.json
    upload = response.json["upload"]
    assert (upload["part_size_bytes"], upload["part_count"]) == part_plan(5 * 1024 ** 3)
    assert upload["part_count"] <= 1_000 and upload["part_size_bytes"] % MIB == 0
    assert len(upload["parts"]) == 100  # the first batch; resume hands out the next ones
    assert part_plan(100 * 1024 ** 3) == (103 * MIB, 995)  # past 1,000 × 8 MiB the parts grow (whole MiB)
    assert part_plan(1) == (8 * MIB, 1) and part_plan(8 * MIB + 1) == (8 * MIB, 2)


def test_only_creators_start_uploads(studio):
    response = start(studio, user="bob")  # bob never opened a creator account
    assert response.status_code == 403


def test_abort_drops_the_parts_and_closes_the_upload(studio):
    api = studio
    data = os.urandom(8 * MIB + 10)
    started = start(api, size_bytes=len(data)).json
    video_id = started["video"]["video_id"]
    put_parts(started["upload"]["parts"][:1], data, started["upload"]["part_size_bytes"])
    assert open_uploads() == [f"uploads/alice/{video_id}/source"]

    aborted = api.call("DELETE", f"/v1/videos/{video_id}/upload", "alice")
    assert aborted.status_code == 200, aborted.json
    assert (aborted.json["status"], aborted.json["error_code"]) == ("failed", "aborted")
    assert open_uploads() == [] and uploaded_keys() == []
    assert api.call("DELETE", f"/v1/videos/{video_id}/upload", "alice").json == aborted.json  # idempotent
    for method, path, body in (("GET", "/upload", None), ("POST", "/complete", {"parts": [
            {"part_number": 1, "etag": "x"}, {"part_number": 2, "etag": "y"}]})):
        closed = api.call(method, f"/v1/videos/{video_id}{path}", "alice", body)
        assert closed.status_code == 409 and closed.json["error"]["code"] == "upload_closed"


def test_a_completed_upload_cannot_be_aborted_or_resumed(studio):
    api = studio
    data = os.urandom(500)
    started = start(api, size_bytes=len(data)).json
    video_id = started["video"]["video_id"]
    complete(api, video_id, put_parts(started["upload"]["parts"], data, started["upload"]["part_size_bytes"]))
    assert api.call("DELETE", f"/v1/videos/{video_id}/upload", "alice").status_code == 409
    assert api.call("GET", f"/v1/videos/{video_id}/upload", "alice").status_code == 409
    assert uploaded_keys() == [f"uploads/alice/{video_id}/source"]


def test_a_stored_object_over_the_limit_is_deleted_and_the_video_fails_too_large(studio, monkeypatch):
    from chalicelib.services.video import uploads

    api = studio
    limited = replace(uploads.get_settings(), video_max_bytes=1500)
    monkeypatch.setattr(uploads, "get_settings", lambda: limited)
    started = start(api, size_bytes=1000).json  # declared within the limit ...
    video_id = started["video"]["video_id"]
    parts = put_parts(started["upload"]["parts"], os.urandom(4000), 4000)  # ... but 4000 bytes were sent
    response = complete(api, video_id, parts)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "upload_rejected"
    assert response.json["error"]["details"][0]["type"] == "too_large"
    assert uploaded_keys() == []
    video = api.call("GET", f"/v1/videos/{video_id}", "alice").json
    assert (video["status"], video["error_code"]) == ("failed", "too_large")


def test_a_stored_object_of_another_size_than_declared_fails_size_mismatch(studio):
    api = studio
    started = start(api, size_bytes=1000).json
    video_id = started["video"]["video_id"]
    response = complete(api, video_id, put_parts(started["upload"]["parts"], os.urandom(900), 900))
    assert response.status_code == 422 and response.json["error"]["details"][0]["type"] == "size_mismatch"
    assert uploaded_keys() == []
    assert api.call("GET", f"/v1/videos/{video_id}", "alice").json["error_code"] == "size_mismatch"


def test_wrong_parts_are_refused_and_the_upload_stays_open(studio):
    api = studio
    data = os.urandom(8 * MIB + 10)
    started = start(api, size_bytes=len(data)).json
    video_id = started["video"]["video_id"]
    parts = put_parts(started["upload"]["parts"], data, started["upload"]["part_size_bytes"])
    missing = complete(api, video_id, parts[:1])
    assert missing.status_code == 422 and missing.json["error"]["details"][0]["missing"] == [2]
    wrong_etag = complete(api, video_id, [parts[0], {"part_number": 2, "etag": '"0123456789abcdef"'}])
    assert wrong_etag.status_code == 422 and wrong_etag.json["error"]["code"] == "upload_rejected"
    assert api.call("GET", f"/v1/videos/{video_id}", "alice").json["status"] == "uploading"
    assert complete(api, video_id, parts).json["status"] == "processing"  # fixed, it completes


def test_listing_pages_with_signed_cursors(studio):
    api = studio
    ids = [start(api, filename=f"v{i}.mp4").json["video"]["video_id"] for i in range(3)]
    first = api.call("GET", "/v1/videos?limit=2", "alice").json
    assert [v["video_id"] for v in first["items"]] == ids[::-1][:2]
    second = api.call("GET", f"/v1/videos?limit=2&cursor={first['next_cursor']}", "alice").json
    assert [v["video_id"] for v in second["items"]] == ids[:1] and second["next_cursor"] is None
    forged = first["next_cursor"][:-3] + "abc"
    assert api.call("GET", f"/v1/videos?limit=2&cursor={forged}", "alice").status_code == 400
    api.creator("carol")
    assert api.call("GET", "/v1/videos", "carol").json["items"] == []
    assert api.call("GET", f"/v1/videos?cursor={first['next_cursor']}", "carol").status_code == 400
