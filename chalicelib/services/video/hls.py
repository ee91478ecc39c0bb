"""HLS and WebVTT rewriting (pure): every URI a stored playlist or storyboard holds, and where it points.

Playback serves stored playlists with their URIs replaced (rendition routes, signed media URLs); these functions
find and replace those URIs and resolve them to object keys, so nothing outside a video's folder is ever signed.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

_URI_ATTRIBUTE = re.compile(r'URI="([^"]*)"')


def rewrite_playlist(text: str, replace: Callable[[str], str]) -> str:
    """Apply `replace` to every URI of an m3u8 playlist: URI lines (segments, renditions) and `URI="..."`
    attributes of tags (EXT-X-MAP, EXT-X-MEDIA, EXT-X-KEY, EXT-X-I-FRAME-STREAM-INF, …). Tags, comments and blank
    lines are kept as they are."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#EXT"):
            line = _URI_ATTRIBUTE.sub(lambda match: f'URI="{replace(match.group(1))}"', line)
        elif stripped and not stripped.startswith("#"):
            line = replace(stripped)
        lines.append(line)
    return "\n".join(lines) + "\n"


def collect_uris(rewrite: Callable[[str, Callable[[str], str]], str], text: str) -> list[str]:
    """Every URI `rewrite` (`rewrite_playlist` or `rewrite_vtt`) would replace in `text`, in order."""
    found: list[str] = []

    def keep(uri: str) -> str:
        found.append(uri)
        return uri

    rewrite(text, keep)
    return found


def resolve_key(base_key: str, uri: str) -> str | None:
    """The object key a URI in the file at `base_key` points at: relative URIs against its folder, root-relative
    and http(s) URIs by their path (only ever looked up in our own media bucket). Query strings are dropped.
    None for other schemes (data:, skd:) and for paths climbing above the bucket's root."""
    parts = urlsplit(uri)
    if parts.scheme not in ("", "http", "https"):
        return None
    path = unquote(parts.path)
    if not (parts.scheme or parts.netloc or path.startswith("/")):
        path = f"{posixpath.dirname(base_key)}/{path}"
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if not segments:
                return None
            segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    return "/".join(segments) or None


def rewrite_vtt(text: str, replace: Callable[[str], str]) -> str:
    """Apply `replace` to the URI of every cue payload line of a WebVTT storyboard (`sprite.jpg#xywh=x,y,w,h`),
    keeping the media fragment; the header, timings, NOTE blocks and blank lines are kept as they are."""
    lines, in_cue = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if "-->" in stripped:
            in_cue = True
        elif not stripped:
            in_cue = False
        elif in_cue:
            uri, hash_, fragment = stripped.partition("#")
            line = f"{replace(uri)}{hash_}{fragment}"
        lines.append(line)
    return "\n".join(lines) + "\n"
