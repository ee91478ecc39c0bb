"""The pure parts of protected playback: m3u8 and WebVTT rewriting, URI resolution, playback tokens."""

from __future__ import annotations

import pytest

from chalicelib.errors import Forbidden, NotFound
from chalicelib.services.video.hls import collect_uris, resolve_key, rewrite_playlist, rewrite_vtt
from chalicelib.services.video.playback import PLAY, START, Token, mint, play_seconds, verify

MASTER = """#EXTM3U
#EXT-X-VERSION:7
# a comment that must survive
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="en",URI="audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,AUDIO="aac"
720p/index.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,AUDIO="aac"
https://media.example.com/videos/v1/hls/360p/index.m3u8?x=1
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="720p/iframes.m3u8"
"""

RENDITION = """#EXTM3U
#EXT-X-TARGETDURATION:6
#EXT-X-KEY:METHOD=NONE
#EXT-X-MAP:URI="init.mp4",BYTERANGE="720@0"
#EXTINF:6.0,
seg_000.m4s
#EXTINF:6.0, title with spaces
/videos/v1/hls/720p/seg_001.m4s
#EXTINF:2.5,
../720p/seg_002.m4s
#EXT-X-ENDLIST
"""


def test_collects_every_uri_line_and_uri_attribute_in_order():
    assert collect_uris(rewrite_playlist, MASTER) == [
        "audio/index.m3u8", "720p/index.m3u8", "https://media.example.com/videos/v1/hls/360p/index.m3u8?x=1",
        "720p/iframes.m3u8"]
    assert collect_uris(rewrite_playlist, RENDITION) == [
        "init.mp4", "seg_000.m4s", "/videos/v1/hls/720p/seg_001.m4s", "../720p/seg_002.m4s"]


def test_rewrite_replaces_uris_and_keeps_tags_comments_and_blank_lines():
    rewritten = rewrite_playlist(RENDITION, lambda uri: f"https://signed/{uri.strip('/.')}?sig=1")
    lines = rewritten.splitlines()
    assert lines[:3] == ["#EXTM3U", "#EXT-X-TARGETDURATION:6", "#EXT-X-KEY:METHOD=NONE"]
    assert lines[3] == '#EXT-X-MAP:URI="https://signed/init.mp4?sig=1",BYTERANGE="720@0"'
    assert lines[5] == "https://signed/seg_000.m4s?sig=1"
    assert lines[6] == "#EXTINF:6.0, title with spaces"
    assert lines[-1] == "#EXT-X-ENDLIST"
    master = rewrite_playlist(MASTER, lambda uri: "X")
    assert "# a comment that must survive" in master.splitlines()
    assert "" in master.splitlines()  # the blank line
    assert '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="en",URI="X"' in master
    assert master.count("\nX\n") == 2


def test_rewrite_is_identity_with_identity_replace():
    assert rewrite_playlist(RENDITION, lambda uri: uri) == RENDITION


@pytest.mark.parametrize(("uri", "key"), [
    ("seg_000.m4s", "videos/v1/hls/720p/seg_000.m4s"),
    ("init.mp4", "videos/v1/hls/720p/init.mp4"),
    ("../360p/seg_001.m4s", "videos/v1/hls/360p/seg_001.m4s"),
    ("./seg%20one.m4s", "videos/v1/hls/720p/seg one.m4s"),
    ("seg_000.m4s?v=2", "videos/v1/hls/720p/seg_000.m4s"),
    ("/videos/v1/hls/720p/seg_000.m4s", "videos/v1/hls/720p/seg_000.m4s"),
    ("https://cdn.example.com/videos/v1/poster.jpg", "videos/v1/poster.jpg"),
    ("http://bucket.s3.amazonaws.com/videos/v1/hls/master.m3u8?X-Amz-Signature=1", "videos/v1/hls/master.m3u8"),
    ("../../../../../etc/passwd", None),
    ("data:text/plain,hello", None),
    ("skd://key-id", None),
])
def test_resolve_key(uri, key):
    assert resolve_key("videos/v1/hls/720p/index.m3u8", uri) == key


def test_traversal_stays_detectable_by_prefix():
    # Resolving never escapes the bucket root, and a climb out of the video's folder shows in the key.
    assert resolve_key("videos/v1/hls/720p/index.m3u8", "../../../v2/hls/720p/seg.m4s") == "videos/v2/hls/720p/seg.m4s"


def test_vtt_rewrite_signs_cue_payloads_and_keeps_fragments():
    vtt = "WEBVTT\n\nNOTE sprites every 5 s\n\n00:00:00.000 --> 00:00:05.000\nstoryboard.jpg#xywh=0,0,160,90\n\n" \
          "00:00:05.000 --> 00:00:10.000\nstoryboard.jpg#xywh=160,0,160,90\n"
    assert collect_uris(rewrite_vtt, vtt) == ["storyboard.jpg", "storyboard.jpg"]
    out = rewrite_vtt(vtt, lambda uri: f"https://signed/{uri}?Signature=abc")
    assert "https://signed/storyboard.jpg?Signature=abc#xywh=160,0,160,90" in out.splitlines()
    assert "NOTE sprites every 5 s" in out.splitlines()
    assert out.startswith("WEBVTT\n\n")


SECRET = "test-secret"


def test_tokens_round_trip_and_bind_kind_video_user_and_expiry():
    token = mint(Token(START, "vid_1", "bob", 2_000), SECRET)
    assert verify(token, START, SECRET, now=1_000) == Token(START, "vid_1", "bob", 2_000)
    assert "/" not in token and "+" not in token  # path-safe
    with pytest.raises(NotFound):
        verify(token, PLAY, SECRET, now=1_000)  # a start token never opens renditions
    with pytest.raises(Forbidden) as expired:
        verify(token, START, SECRET, now=2_000)
    assert expired.value.code == "playback_expired"
    with pytest.raises(NotFound):
        verify(token, START, "another-secret", now=1_000)


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature
    lambda t: ("e" if t[0] != "e" else "f") + t[1:],  # payload
    lambda t: t.replace(".", ""),
    lambda t: "not-a-token",
    lambda t: "",
])
def test_tampered_tokens_are_not_found(tamper):
    token = mint(Token(PLAY, "vid_1", "", 2_000), SECRET)
    with pytest.raises(NotFound):
        verify(tamper(token), PLAY, SECRET, now=1_000)


def test_forged_claims_need_the_secret():
    import base64
    import json

    payload = base64.urlsafe_b64encode(json.dumps({"k": "p", "v": "vid_other", "u": "", "e": 10**10}).encode())
    genuine = mint(Token(PLAY, "vid_1", "", 2_000), SECRET)
    forged = payload.decode().rstrip("=") + "." + genuine.split(".")[1]
    with pytest.raises(NotFound):
        verify(forged, PLAY, SECRET, now=1_000)


def test_play_window_covers_the_video_and_is_capped():
    assert play_seconds(0) == 3600
    assert play_seconds(10 * 60 * 1000 + 1) == 601 + 3600
    assert play_seconds(4 * 3600 * 1000) == 5 * 3600
    assert play_seconds(10 * 3600 * 1000) == 6 * 3600
