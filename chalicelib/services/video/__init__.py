"""Native video: upload sessions straight to S3, the asset records, the processing pipeline and protected playback.

Tables: `video-assets` (`video_id`; GSI `by_creator` (`creator_id`, `created_at`): a creator's videos newest first,
one Query per page) and `video-variants` (`video_id`, `quality`: a video's renditions, one Query; one GetItem for a
rendition's playlist). Buckets: uploads (`uploads/<creator>/<video_id>/source`) and media (`videos/<video_id>/…`).

Invariants:
- Only the uploading creator sees or uses an asset: anyone else's id answers 404 like a missing one.
- Status moves only by conditional writes (`assets.move`): `pending → uploading → processing → ready | failed`.
  A finished or deleted asset is never touched by the pipeline; a `ready` one never turns `failed`.
- Everything the pipeline writes for a video is under `videos/<video_id>/`, and playback signs nothing else.
- The upload id never leaves the server; the browser only gets presigned `UploadPart` URLs.

Uploads (`uploads`): a session refuses limits at once (size, type, file name; a named lesson must be in the caller's
own course), creates the multipart upload and a `pending` asset, and hands out URLs for at most 100 parts (parts of
max(8 MiB, ⌈size / 1,000⌉): ≤ 1,000 parts, so a completion fits the body limit). Resuming lists what S3 holds
(`pending → uploading`); an upload the lifecycle rule aborted fails `upload_expired` (409 `upload_closed`). Complete
checks every part is listed once, moves `pending → uploading` first (the S3 event may reach the pipeline before our
last write), completes (S3 refusals: 422 `upload_rejected`, the upload stays open), then HeadObject: a stored object
over the limit or of another size than declared is deleted and fails `too_large`/`size_mismatch` (422
`upload_rejected`); finally `processing`. A complete of a `processing`/`ready` asset returns it and calls S3 nothing.
Abort is `pending|uploading → failed` with `error_code = aborted` (the record is kept: a racing complete sees it and
deletes its object), idempotent, 409 once completed.

Pipeline (`pipeline`, `steps`): S3 "Object Created" → `start_for_upload` starts the state machine execution named
after the video (idempotent: a duplicate event starts nothing) for an existing asset that names the key and is not
finished. The state machine's worker steps (`steps`: probe → transcode → record) run behind task tokens in
`handlers/video_tasks.py`; a MediaConvert job's state-change event is judged by `steps.job_outcome`. Error names
(`not_video`, `no_video_stream`, `too_short`, `too_long`, `too_large`, `transcode_failed`, `record_failed`) are never
retried; anything unexpected is `Video.Transient`. `record_outputs` writes the renditions and the move to `ready` in
ONE transaction conditioned on `processing` (never a ready asset without variants), then `on_ready` attaches the video
to the lesson named at upload through `courses.lessons.attach_video`; content problems (lesson deleted, course
archived, a newer upload) are logged and skipped, never raised into the workflow. A repeat only re-attaches.

Playback (`playback`, `hls`): access is checked when tokens are handed out, by the lesson view's own rule. Tokens
are `base64url(JSON {kind, video, user, exp}).base64url(HMAC-SHA256(PLAYBACK_SECRET))`, compared in constant time;
forged, malformed or wrong-kind tokens are 404, expired ones 403 `playback_expired`. The start token (10 min) opens
the master playlist and the storyboard VTT; the master hands out a play token (duration + 1 h, capped at 6 h) that
opens rendition playlists only, so tokens never mint tokens. Every URI of a stored playlist is resolved against the
playlist's key and must stay under `videos/<video_id>/` (anything else is refused, never signed).

Captions (`captions`): a creator attaches WebVTT tracks (one per language, strict, ≤ 192 KiB) to the video of a
lesson of their own course; they are stored under the video's media prefix, listed in playback as signed subtitles,
and indexed for library search with second offsets (the course's content version moves on, the stream does the rest).

Modules: `assets` (records, listing, status moves), `uploads`, `pipeline`, `steps`, `playback` (tokens, access,
serving playlists), `hls` (pure m3u8/WebVTT rewriting), `captions`, `errors`.
Errors: `upload_closed` 409, `upload_rejected` 422, `invalid_captions` 422, `playback_expired` 403 (`errors.py`);
otherwise the generic kinds.
"""
