"""The creator's videos: upload sessions straight to S3 (multipart, resumable), completion, status polling."""

from chalice import Blueprint

from chalicelib.api.routing import Call, page_limit, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)
V = "/v1/videos/{video_id}"


@route(bp, "/v1/videos/uploads", "POST", summary="Start a video upload: a pending video and presigned part URLs "
       "(limits answer 422; creators only)", tag="creator", body="video.VideoUploadCreate",
       response="video.VideoUploadOut", status=201, errors=(403, 404))
def start_upload(call: Call) -> dict:
    from chalicelib.services.video import uploads

    body = call.body
    video, upload = uploads.start_upload(call.user_id, body.filename, body.content_type, body.size_bytes,
                                         body.product_id, body.lesson_id)
    return {"video": video, "upload": upload}


@route(bp, f"{V}/upload", summary="Resume an upload: the parts S3 holds and URLs for the missing ones",
       tag="creator", response="video.VideoUploadOut", errors=(409,))
def resume_upload(call: Call, video_id: str) -> dict:
    from chalicelib.services.video import uploads

    video, upload = uploads.upload_state(call.user_id, video_id)
    return {"video": video, "upload": upload}


@route(bp, f"{V}/upload", "DELETE", summary="Abort an upload (its parts are deleted; the video ends failed/aborted)",
       tag="creator", response="video.VideoOut", errors=(409,))
def abort_upload(call: Call, video_id: str):
    from chalicelib.services.video import uploads

    return uploads.abort_upload(call.user_id, video_id)


@route(bp, f"{V}/complete", "POST", summary="Complete an upload with the parts' ETags; the stored object is "
       "checked, then processed (a repeat returns the video as it is)", tag="creator", body="video.VideoComplete",
       response="video.VideoOut", errors=(409,))
def complete_upload(call: Call, video_id: str):
    from chalicelib.services.video import uploads

    parts = [(part.part_number, part.etag) for part in call.body.parts]
    return uploads.complete_upload(call.user_id, video_id, parts)


@route(bp, V, summary="Your video: status, error, duration, size, renditions, poster", tag="creator",
       response="video.VideoDetail")
def video_detail(call: Call, video_id: str) -> dict:
    from chalicelib.services.video import assets

    return assets.detail(call.user_id, video_id)


@route(bp, "/v1/videos", summary="Your videos, newest first", tag="creator", query="common.PageQuery",
       response="video.VideoPage")
def list_videos(call: Call) -> dict:
    from chalicelib.services.video import assets

    page = assets.list_videos(call.user_id, page_limit(call.query.limit), call.query.cursor)
    return page.to_dict()


CAPTIONS = "/v1/products/{product_id}/lessons/{lesson_id}/captions/{language}"


@route(bp, CAPTIONS, "PUT", summary="Attach WebVTT captions in one language to the lesson's video (replaces that "
       "language's; strict WebVTT, ≤ 192 KiB; the course's creator only)", tag="creator", body="video.CaptionsPut",
       response="video.CaptionTrackOut", errors=(409, 422))
def put_captions(call: Call, product_id: str, lesson_id: str, language: str) -> dict:
    from chalicelib.services.video import captions

    return captions.put_captions(call.user_id, product_id, lesson_id, language, call.body.vtt, call.body.label)


@route(bp, CAPTIONS, "DELETE", summary="Remove the lesson video's captions in one language", tag="creator",
       status=204, errors=(409, 422))
def delete_captions(call: Call, product_id: str, lesson_id: str, language: str) -> None:
    from chalicelib.services.video import captions

    captions.delete_captions(call.user_id, product_id, lesson_id, language)
