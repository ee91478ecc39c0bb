"""Protected HLS playback: who may watch (the lesson view's rule), playback tokens, and rewritten playlists.

The media bucket is never reachable without a signature. A player gets:
1. `hls_url`: `<api>/v1/playback/<start token>/master.m3u8`. The start token (HMAC-SHA256 with PLAYBACK_SECRET over
   kind, video id, user and expiry) is valid for `START_SECONDS`: the player must open it soon.
2. The master playlist, with each rendition's URI rewritten to `<api>/v1/playback/<play token>/<quality>/index.m3u8`.
   The play token lives for the whole viewing window (`play_seconds`: duration + 1 h for pauses, capped at 6 h)
   and opens rendition playlists only, so it cannot mint further tokens. hls.js loads a rendition when it switches
   to it, possibly late in playback: that is why the play token outlives the start token.
3. Each rendition playlist with EVERY URI (segments, EXT-X-MAP init sections, keys) rewritten to a signed media URL
   expiring with the play token (CloudFront or presigned S3, `integrations/media_urls.py`).
Poster, storyboard sprite and the storyboard's WebVTT (whose cues point at the sprite) are signed the same way, and
so are the creator's caption tracks (`captions.py`): each a `subtitles` entry whose URL opens the .vtt file.

Access is checked once, when the tokens are handed out (`grant`), by the lesson view's own rule; a token is then a
bearer capability until it expires (a refund takes effect on the next `grant`). URIs in stored playlists are
resolved relative to the playlist and must stay under the video's own media prefix, so a token for one video can
never yield a URL to another's objects.

The tokens are pure functions; the m3u8 and WebVTT rewriting is in `hls.py` (tests/unit/test_manifest_rewrite.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.config import get_settings
from chalicelib.errors import NotFound
from chalicelib.integrations import storage
from chalicelib.integrations.media_urls import media_urls
from chalicelib.models import LessonProgress, VideoAsset, VideoQualityVariant
from chalicelib.models.learning import enrollment_key
from chalicelib.services.learning import rules
from chalicelib.services.video.assets import find, media_prefix, variants
from chalicelib.services.video.errors import PlaybackExpired
from chalicelib.services.video.hls import collect_uris, resolve_key, rewrite_playlist, rewrite_vtt

START_SECONDS = 600
PLAY_MARGIN_SECONDS = 3600
PLAY_MAX_SECONDS = 6 * 3600
START, PLAY = "s", "p"  # token kinds: a start token opens the master and storyboard; a play token renditions


# --- pure: tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str
    video_id: str
    user_id: str  # "" for an anonymous viewer of a free preview
    expires_at: int  # unix seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), b"playback|" + payload, hashlib.sha256).digest()


def mint(token: Token, secret: str) -> str:
    """`<base64url payload>.<base64url HMAC-SHA256>`: URL-path safe."""
    payload = json.dumps({"k": token.kind, "v": token.video_id, "u": token.user_id, "e": token.expires_at},
                         separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def verify(text: str, kind: str, secret: str, now: float) -> Token:
    """The token's claims; 404 when malformed, forged or of another kind, 403 `playback_expired` when expired."""
    try:
        body, signature = text.split(".", 1)
        payload = _unb64(body)
        given = _unb64(signature)
    except (ValueError, TypeError):
        raise NotFound("playback not found") from None
    if not hmac.compare_digest(given, _mac(secret, payload)):
        raise NotFound("playback not found")
    claims = json.loads(payload)
    token = Token(claims["k"], claims["v"], claims["u"], int(claims["e"]))
    if token.kind != kind:
        raise NotFound("playback not found")
    if token.expires_at <= now:
        raise PlaybackExpired("this playback link expired; request a new one")
    return token


def play_seconds(duration_ms: int) -> int:
    """How long segment URLs live: the whole video plus a margin for pauses and seeks, capped."""
    return min(math.ceil(duration_ms / 1000) + PLAY_MARGIN_SECONDS, PLAY_MAX_SECONDS)


# --- the service ----------------------------------------------------------------------------------------


def _secret() -> str:
    return get_settings().secret("playback_secret")


def _now() -> float:
    """The clock tokens are minted and checked with (tests move it)."""
    return time.time()


def _ready_asset(video_id: str) -> VideoAsset:
    asset = find(video_id, consistent=False)
    if asset is None or asset.status != "ready" or not asset.hls_master_key:
        raise NotFound("video not found")
    return asset


def _signed_media(video_id: str, base_key: str, uris: list[str], expires_in: int) -> dict[str, str]:
    """uri → signed URL, for URIs resolving under the video's media prefix; anything else is a broken output."""
    prefix = media_prefix(video_id)
    keys = {}
    for uri in dict.fromkeys(uris):
        key = resolve_key(base_key, uri)
        if key is None or not key.startswith(prefix):
            raise ValueError(f"{base_key} references {uri!r} outside {prefix}")
        keys[uri] = key
    return dict(zip(keys, media_urls().sign_all(list(keys.values()), expires_in), strict=True))


def _timestamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def grant(user_id: str | None, product_ref: str, lesson_id: str, base_url: str) -> dict[str, Any]:
    """Playback of a lesson's video for whoever may open the lesson (same rule and errors as the lesson view)."""
    product, lesson, _ = rules.open_lesson(user_id, product_ref, lesson_id)
    if lesson.content_type != "video" or not lesson.video_asset_id:
        raise NotFound("this lesson has no video")
    asset = _ready_asset(lesson.video_asset_id)
    if asset.creator_id != product.creator_id:  # attach checks it; never play another creator's video
        raise NotFound("video not found")
    now = int(_now())
    window = play_seconds(int(asset.duration_ms or 0))
    start = mint(Token(START, asset.video_id, user_id or "", now + START_SECONDS), _secret())
    signer = media_urls()
    storyboard = None
    if asset.storyboard_key and asset.storyboard_vtt_key:
        storyboard = {"image_url": signer.sign(asset.storyboard_key, window),
                      "vtt_url": f"{base_url}/v1/playback/{start}/storyboard.vtt"}
    return {
        "video_id": asset.video_id,
        "hls_url": f"{base_url}/v1/playback/{start}/master.m3u8",
        "expires_at": _timestamp(now + START_SECONDS),
        "media_expires_at": _timestamp(now + window),
        "thumbnail_url": signer.sign(asset.thumbnail_key, window) if asset.thumbnail_key else None,
        "storyboard": storyboard,
        "subtitles": [{"language": language, "label": track["label"], "url": signer.sign(track["key"], window)}
                      for language, track in sorted(asset.caption_tracks.items())
                      if track["key"].startswith(media_prefix(asset.video_id))],  # signs nothing of another video
        "duration_seconds": asset.duration_seconds or 0,
        "resume_position_seconds": _resume_position(user_id, product.product_id, lesson.lesson_id),
        "variants": variants(asset.video_id),
    }


def _resume_position(user_id: str | None, product_id: str, lesson_id: str) -> int:
    if not user_id:
        return 0
    try:
        row = LessonProgress.get(enrollment_key(user_id, product_id), lesson_id)
    except DoesNotExist:
        return 0
    return int(row.video_progress_seconds or 0)


def master_playlist(token: str, base_url: str) -> str:
    """The stored master playlist with each rendition pointing at its playlist route under a fresh play token."""
    claims = verify(token, START, _secret(), _now())
    asset = _ready_asset(claims.video_id)
    text = storage.read_text(get_settings().media_bucket, asset.hls_master_key)
    if text is None:
        raise NotFound("video not found")
    quality_by_key = {row.playlist_key: row.quality for row in variants(asset.video_id)}
    play = mint(Token(PLAY, asset.video_id, claims.user_id,
                      int(_now()) + play_seconds(int(asset.duration_ms or 0))), _secret())

    def rendition(uri: str) -> str:
        quality = quality_by_key.get(resolve_key(asset.hls_master_key, uri) or "")
        if quality is None:
            raise ValueError(f"{asset.hls_master_key} references {uri!r}, which is no recorded rendition")
        return f"{base_url}/v1/playback/{play}/{quality}/index.m3u8"

    return rewrite_playlist(text, rendition)


def variant_playlist(token: str, quality: str) -> str:
    """A rendition's playlist with every URI signed until the play token expires."""
    now = _now()
    claims = verify(token, PLAY, _secret(), now)
    try:
        variant = VideoQualityVariant.get(claims.video_id, quality)
    except DoesNotExist:
        raise NotFound("rendition not found") from None
    text = storage.read_text(get_settings().media_bucket, variant.playlist_key)
    if text is None:
        raise NotFound("rendition not found")
    signed = _signed_media(claims.video_id, variant.playlist_key, collect_uris(rewrite_playlist, text),
                           max(1, claims.expires_at - int(now)))
    return rewrite_playlist(text, signed.__getitem__)


def storyboard_vtt(token: str) -> str:
    """The storyboard's WebVTT with its sprite references signed for the viewing window."""
    claims = verify(token, START, _secret(), _now())
    asset = _ready_asset(claims.video_id)
    key = asset.storyboard_vtt_key
    text = storage.read_text(get_settings().media_bucket, key) if key else None
    if text is None:
        raise NotFound("storyboard not found")
    signed = _signed_media(asset.video_id, key, collect_uris(rewrite_vtt, text),
                           play_seconds(int(asset.duration_ms or 0)))
    return rewrite_vtt(text, signed.__getitem__)
