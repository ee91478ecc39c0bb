"""Who may see, use and play which video: every caller against the creator's upload endpoints and the playback of
free, paid and draft lessons; forged and cross-video tokens; no unsigned media URL anywhere; no token in logs."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.courses import grant
from tests.support.video import (
    MASTER,
    RENDITION,
    create_video_buckets,
    fabricate_ready_video,
    make_video_course,
    path_of,
    raw_get,
)

USERS = {"anonymous": None, "buyer_without_access": "carol", "buyer_with_access": "bob", "owner": "alice",
         "other_creator": "mallory"}
URL = re.compile(r"https?://[^\s\"'#]+")


@pytest.fixture(scope="module")
def api(module_api):
    """The matrix only reads, except where a test says otherwise."""
    create_video_buckets()
    return module_api


@pytest.fixture(scope="module")
def world(api):
    """alice: a published course and a draft course playing a ready video, and an upload still open.
    bob bought the published course; carol did not; mallory is another creator."""
    from chalicelib.services.courses import lessons

    course, draft = make_video_course("alice"), make_video_course("alice", publish=False)
    video = fabricate_ready_video("alice")
    for target in (course, draft):
        for lesson_id in (target.free_lesson, target.paid_lesson):
            lessons.update_lesson("alice", target.product_id, lesson_id, {"video_asset_id": video.video_id})
    grant("bob", course.product_id)
    grant("bob", draft.product_id)
    api.creator("mallory")
    upload = api.call("POST", "/v1/videos/uploads", "alice",
                      {"filename": "raw.mp4", "content_type": "video/mp4", "size_bytes": 100}).json["video"]
    return {"course": course, "draft": draft, "video": video, "upload": upload["video_id"]}


@pytest.mark.parametrize("role", USERS)
def test_only_the_uploading_creator_sees_or_uses_a_video(api, world, role):
    user = USERS[role]
    expected = {"owner": 200, "anonymous": 401}.get(role, 404)
    for video_id in (world["video"].video_id, world["upload"]):
        assert api.call("GET", f"/v1/videos/{video_id}", user).status_code == expected
    assert api.call("GET", f"/v1/videos/{world['upload']}/upload", user).status_code == expected
    if role != "owner":  # writes must not touch the asset either
        parts = {"parts": [{"part_number": 1, "etag": "x"}]}
        assert api.call("POST", f"/v1/videos/{world['upload']}/complete", user, parts).status_code == expected
        assert api.call("DELETE", f"/v1/videos/{world['upload']}/upload", user).status_code == expected
        assert api.call("GET", f"/v1/videos/{world['upload']}", "alice").json["status"] in ("pending", "uploading")
        listed = api.call("GET", "/v1/videos", user)
        if user is None:
            assert listed.status_code == 401
        else:
            assert listed.json["items"] == []


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 401), ("buyer_without_access", 403),
                                                ("buyer_with_access", 403), ("other_creator", 201)])
def test_only_creators_start_uploads(api, world, role, expected):
    body = {"filename": "x.mp4", "content_type": "video/mp4", "size_bytes": 100}
    assert api.call("POST", "/v1/videos/uploads", USERS[role], body).status_code == expected


PLAY = {  # (what, expected status per role)
    ("course", "free_lesson"): {role: 200 for role in USERS},
    ("course", "paid_lesson"): {"anonymous": 403, "buyer_without_access": 403, "buyer_with_access": 200,
                                "owner": 200, "other_creator": 403},
    ("draft", "free_lesson"): {role: 200 if role == "owner" else 404 for role in USERS},
    ("draft", "paid_lesson"): {role: 200 if role == "owner" else 404 for role in USERS},
}


@pytest.mark.parametrize("role", USERS)
@pytest.mark.parametrize("what", list(PLAY))
def test_playback_follows_the_lesson_view(api, world, role, what):
    course = world[what[0]]
    lesson_id = getattr(course, what[1])
    response = api.call("GET", f"/v1/products/{course.product_id}/lessons/{lesson_id}/playback", USERS[role])
    lesson_view = api.call("GET", f"/v1/products/{course.product_id}/lessons/{lesson_id}", USERS[role])
    assert response.status_code == lesson_view.status_code == PLAY[what][role]
    if response.status_code != 200:
        assert world["video"].video_id not in response.body.decode() and "m3u8" not in response.body.decode()


def test_a_revoked_grant_loses_playback(api, world):
    from chalicelib.models import Product
    from chalicelib.models.base import utcnow
    from chalicelib.services.access import grants as access
    from chalicelib.services.core.db import transaction

    course = world["course"]
    grant("dave", course.product_id)
    path = f"/v1/products/{course.product_id}/lessons/{course.paid_lesson}/playback"
    assert api.call("GET", path, "dave").status_code == 200
    with transaction() as tx:  # what a refund of the claim's only source does
        access.set_source(tx, access.current_grant("dave", course.product_id), "dave",
                          Product.get(course.product_id).attribute_values, access.CLAIM, "revoked", utcnow())
    assert api.call("GET", path, "dave").status_code == 403


def every_url(api, course, lesson_id, user) -> tuple[list[str], list[str]]:
    """(API URLs, media URLs) reachable from one playback grant: JSON, master, renditions, storyboard."""
    grant_ = api.call("GET", f"/v1/products/{course.product_id}/lessons/{lesson_id}/playback", user).json
    found = URL.findall(str(grant_))
    api_urls, media_urls, seen = [], [], set()
    while found:
        url = found.pop()
        if url in seen:
            continue
        seen.add(url)
        if "/v1/playback/" in url:
            api_urls.append(url)
            response = raw_get(api, url)
            assert response.status_code == 200, url
            found += URL.findall(response.body.decode())
        else:
            media_urls.append(url)
    return api_urls, media_urls


def test_no_unsigned_path_to_the_media_bucket(api, world):
    api_urls, media = every_url(api, world["course"], world["course"].paid_lesson, "bob")
    assert len(api_urls) == 4  # master, two renditions, storyboard
    objects = {urlsplit(url).path for url in media}  # an object signed twice a second apart has two URLs
    assert len(objects) == 2 * 4 + 2  # segments and init sections of two renditions, poster, sprite
    for url in media:
        query = parse_qs(urlsplit(url).query)
        assert {"X-Amz-Signature", "X-Amz-Expires", "X-Amz-Credential"} <= set(query), url
    for url in api_urls:
        assert re.search(r"/v1/playback/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/", url), url  # always a signed token


def test_forged_tokens_open_nothing(api, world):
    from chalicelib.services.video.playback import PLAY as PLAY_KIND
    from chalicelib.services.video.playback import START, Token, mint

    video_id = world["video"].video_id
    for kind, path in ((START, "master.m3u8"), (PLAY_KIND, "720p/index.m3u8"), (START, "storyboard.vtt")):
        forged = mint(Token(kind, video_id, "mallory", 2 ** 40), "guessed-secret")
        response = api.call("GET", f"/v1/playback/{forged}/{path}")
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_a_playlist_pointing_outside_its_video_yields_no_url(api, world):
    """A rendition playlist referencing another video's objects (or above the bucket) is refused, not signed."""
    from chalicelib.services.courses import lessons

    other = world["video"]
    escaping = RENDITION.replace("seg_001.m4s", f"../../../{other.video_id}/hls/720p/seg_001.m4s")
    rogue = fabricate_ready_video("alice", master=MASTER, rendition=escaping)
    course = world["course"]
    lesson = lessons.add_lesson("alice", course.product_id, course.module_id,
                                       {"title": "Rogue", "content_type": "video", "is_free_preview": True,
                                        "video_asset_id": rogue.video_id})["lesson_id"]
    grant_ = api.call("GET", f"/v1/products/{course.product_id}/lessons/{lesson}/playback", "carol").json
    master = raw_get(api, grant_["hls_url"]).body.decode()
    rendition_url = next(line for line in master.splitlines() if line.endswith("/720p/index.m3u8"))
    response = raw_get(api, rendition_url)
    assert response.status_code == 500
    assert "X-Amz-Signature" not in response.body.decode() and other.video_id not in response.body.decode()


def test_playback_tokens_never_reach_the_logs(api, world, caplog):
    import logging

    course = world["course"]
    grant_ = api.call("GET", f"/v1/products/{course.product_id}/lessons/{course.free_lesson}/playback", "bob").json
    token = urlsplit(grant_["hls_url"]).path.split("/")[3]
    with caplog.at_level(logging.INFO, logger="creator-marketplace"):
        assert raw_get(api, grant_["hls_url"]).status_code == 200
        assert api.call("GET", path_of(grant_["hls_url"].replace(token, token[:-2] + "zz"))).status_code == 404
    lines = [str(record.__dict__) for record in caplog.records]
    assert [record.path for record in caplog.records if record.getMessage() == "request"] == [
        "/v1/playback/{token}/master.m3u8"] * 2  # the access log names the route ...
    assert not [line for line in lines if token[:40] in line]  # ... never the token
