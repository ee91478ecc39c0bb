"""Shared by the video tests: the two buckets, a fabricated ready video (records + HLS objects), a video course.

The fabricated video is what the pipeline would leave behind (see chalicelib/models/video.py for the layout):
a master playlist with two renditions, each with an EXT-X-MAP init section and three segments of random bytes,
a poster, a storyboard sprite and its WebVTT. Tests can then check that playback serves exactly these bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import boto3

MASTER = """#EXTM3U
#EXT-X-VERSION:7
## written by the test pipeline
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"
720p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"
360p/index.m3u8
"""

RENDITION = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:6
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init.mp4"
#EXTINF:6.000000,
seg_000.m4s
#EXTINF:6.000000,
seg_001.m4s
#EXTINF:3.000000,
seg_002.m4s
#EXT-X-ENDLIST
"""

STORYBOARD = """WEBVTT

00:00:00.000 --> 00:00:05.000
storyboard.jpg#xywh=0,0,160,90

00:00:05.000 --> 00:00:10.000
storyboard.jpg#xywh=160,0,160,90
"""

RENDITIONS = {"720p": (1280, 720, 2_500_000), "360p": (640, 360, 800_000)}
SEGMENTS = ("init.mp4", "seg_000.m4s", "seg_001.m4s", "seg_002.m4s")


def s3():
    return boto3.client("s3", region_name="us-east-1")


def create_video_buckets() -> None:
    """The uploads and media buckets (the local runtime creates them in local/resources.py)."""
    from chalicelib.config import get_settings

    settings = get_settings()
    for name in (settings.uploads_bucket, settings.media_bucket):
        s3().create_bucket(Bucket=name)


@dataclass
class ReadyVideo:
    video_id: str
    objects: dict[str, bytes] = field(default_factory=dict)  # media key -> bytes

    def key(self, name: str) -> str:
        return f"videos/{self.video_id}/{name}"


def fabricate_ready_video(creator_id: str, duration_ms: int = 15_000, master: str = MASTER,
                          rendition: str = RENDITION, **fields) -> ReadyVideo:
    """A `ready` asset with its renditions and every object in the media bucket, as the pipeline leaves them
    (`fields`: more VideoAsset attributes, e.g. the product_id/lesson_id named at upload, or another status)."""
    from chalicelib.config import get_settings
    from chalicelib.models import VideoAsset, VideoQualityVariant
    from chalicelib.models.base import utcnow
    from chalicelib.services.core.ids import new_id

    video = ReadyVideo(new_id("vid"))
    hls = "hls"
    video.objects[video.key(f"{hls}/master.m3u8")] = master.encode()
    for quality in RENDITIONS:
        video.objects[video.key(f"{hls}/{quality}/index.m3u8")] = rendition.encode()
        for name in SEGMENTS:
            video.objects[video.key(f"{hls}/{quality}/{name}")] = os.urandom(300)
    for name in ("poster.jpg", "storyboard.jpg"):
        video.objects[video.key(name)] = os.urandom(200)
    video.objects[video.key("storyboard.vtt")] = STORYBOARD.encode()
    bucket = get_settings().media_bucket
    for key, data in video.objects.items():
        s3().put_object(Bucket=bucket, Key=key, Body=data)
    VideoAsset(video.video_id, creator_id=creator_id, **{"status": "ready", **fields}, filename="talk.mp4",
               content_type="video/mp4",
               declared_size_bytes=1000, original_key=f"uploads/{creator_id}/{video.video_id}/source",
               original_size_bytes=1000, duration_ms=duration_ms, width=1280, height=720,
               hls_master_key=video.key(f"{hls}/master.m3u8"), thumbnail_key=video.key("poster.jpg"),
               storyboard_key=video.key("storyboard.jpg"), storyboard_vtt_key=video.key("storyboard.vtt"),
               processed_at=utcnow()).save()
    for quality, (width, height, bitrate) in RENDITIONS.items():
        VideoQualityVariant(video.video_id, quality, width=width, height=height, bitrate_bps=bitrate,
                            playlist_key=video.key(f"{hls}/{quality}/index.m3u8"), size_bytes=1500).save()
    return video


@dataclass
class VideoCourse:
    product_id: str
    module_id: str
    free_lesson: str
    paid_lesson: str


def make_video_course(owner: str = "alice", publish: bool = True) -> VideoCourse:
    """A paid course with a free-preview lesson and a paid lesson, both `video` lessons without a video yet."""
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products as catalog
    from chalicelib.services.courses import lessons, modules

    users.open_creator_account(owner, f"{owner}@example.com", owner.title(), None)
    product = catalog.create_product(owner, {"product_type": "course", "title": f"Filming by {owner}",
                                             "pricing_type": "fixed", "price_cents": 3900,
                                             "description": "Learn to film"})
    pid = product.product_id
    module_id = modules.add_module(owner, pid, {"title": "Basics"}).module_id
    free, paid = (lessons.add_lesson(owner, pid, module_id, {"title": title, "content_type": "video", **extra})
                  ["lesson_id"] for title, extra in (("Welcome", {"is_free_preview": True}), ("Lighting", {})))
    if publish:
        catalog.publish_product(owner, pid)
    return VideoCourse(pid, module_id, free, paid)


def path_of(url: str) -> str:
    """An API URL as the chalice test client wants it (path and query)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def raw_get(api, url: str):
    """GET a non-JSON API route (playlists) through the test client."""
    return api._client.http.get(path_of(url))
