"""Video embed URLs: only https YouTube and Vimeo, normalized to their embed form. Never fetched."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from chalicelib.errors import InvalidInput

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^\d{6,12}$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com",
                  "www.youtube-nocookie.com"}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


def _video_id(url: str) -> tuple[str, str] | None:
    parsed = urlparse(url)
    if parsed.scheme != "https" or parsed.username or parsed.password or parsed.port:
        return None
    host, parts = (parsed.hostname or "").lower(), [p for p in parsed.path.split("/") if p]
    if host == "youtu.be" and len(parts) == 1:
        return "youtube", parts[0]
    if host in _YOUTUBE_HOSTS:
        if parts == ["watch"]:
            return "youtube", (parse_qs(parsed.query).get("v") or [""])[0]
        if len(parts) == 2 and parts[0] in ("embed", "shorts", "live"):
            return "youtube", parts[1]
    if host in _VIMEO_HOSTS:
        if host == "player.vimeo.com" and len(parts) == 2 and parts[0] == "video":
            return "vimeo", parts[1]
        if host != "player.vimeo.com" and len(parts) == 1:
            return "vimeo", parts[0]
    return None


def normalize_embed_url(url: str) -> str:
    found = _video_id(url.strip())
    if found and found[0] == "youtube" and _YOUTUBE_ID.match(found[1]):
        return f"https://www.youtube-nocookie.com/embed/{found[1]}"
    if found and found[0] == "vimeo" and _VIMEO_ID.match(found[1]):
        return f"https://player.vimeo.com/video/{found[1]}"
    raise InvalidInput("video_url must be an https YouTube or Vimeo video URL",
                       [{"loc": ["body", "video_url"], "msg": "unsupported video URL", "type": "rule"}])


def is_youtube(url: str) -> bool:
    found = _video_id(url.strip())
    return bool(found and found[0] == "youtube")
