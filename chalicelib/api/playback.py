"""Protected video playback: the lesson's playback grant and the signed HLS playlists it leads to.

The playlist routes take no bearer token (players fetch them without one): the signed token in the path is the
authorization (see services/video/playback.py). Their URLs are absolute, built from the request's Host and path
prefix (the API Gateway stage or custom-domain base path), so a browser player can follow them.
"""

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.api.routing import Call, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)
T = "/v1/playback/{token}"
HLS = "application/vnd.apple.mpegurl"
VTT = "text/vtt"


def _playback():
    from chalicelib.services.video import playback

    return playback


def base_url(request: Request) -> str:
    """`scheme://host[/stage]` the client called us on: what comes before `/v1/` in the request's own path."""
    headers = request.headers
    scheme = headers.get("x-forwarded-proto", "http").split(",")[0].strip()
    host = headers.get("host", "localhost")
    path = (request.context or {}).get("path") or ""
    prefix = path[:path.find("/v1/")] if "/v1/" in path else ""
    return f"{scheme}://{host}{prefix}"


def _text(body: str, media_type: str) -> Response:
    # Per-viewer signed URLs inside: never cached by a shared cache.
    return Response(body=body, status_code=200,
                    headers={"Content-Type": media_type, "Cache-Control": "private, no-store"})


@route(bp, "/v1/products/{product_id}/lessons/{lesson_id}/playback", summary="Play a lesson's video: a short-lived "
       "HLS URL, poster, storyboard, renditions and your resume position (access as for the lesson)",
       tag="learning", auth="optional", response="video.PlaybackOut", errors=(403,))
def lesson_playback(call: Call, product_id: str, lesson_id: str) -> dict:
    return _playback().grant(call.user_id, product_id, lesson_id, base_url(call.request))


@route(bp, f"{T}/master.m3u8", summary="The HLS master playlist (the signed token is the authorization)",
       tag="playback", auth="none", media_type=HLS, errors=(403,))
def master_playlist(call: Call, token: str) -> Response:
    return _text(_playback().master_playlist(token, base_url(call.request)), HLS)


@route(bp, f"{T}/{{quality}}/index.m3u8", summary="A rendition's playlist; every segment URL signed",
       tag="playback", auth="none", media_type=HLS, errors=(403,))
def variant_playlist(call: Call, token: str, quality: str) -> Response:
    return _text(_playback().variant_playlist(token, quality), HLS)


@route(bp, f"{T}/storyboard.vtt", summary="The storyboard's WebVTT; sprite references signed", tag="playback",
       auth="none", media_type=VTT, errors=(403,))
def storyboard(call: Call, token: str) -> Response:
    return _text(_playback().storyboard_vtt(token), VTT)
