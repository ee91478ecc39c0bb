"""Transcoders behind one interface: the worker hands over a `TranscodeRequest`, a transcoder either returns the
outputs at once (FFmpeg: the worker completes the task token) or returns None and completes the token later
(MediaConvert: the job carries the token, its state-change event completes it).

Outputs (a plain dict, the Record step's input): master_key, thumbnail_key, storyboard_key, storyboard_vtt_key
(None where the transcoder makes none), duration_ms, width, height, transcoder, job_id (or None), and variants:
[{quality, width, height, bitrate, playlist_key, size_bytes}]. Keys are media bucket keys under `videos/<id>/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.integrations.probe import ProbeResult


class TranscodeFailed(Exception):  # noqa: N818 - the reason code is `transcode_failed`
    """The transcoder ran and could not make the renditions (a broken file, an unsupported codec): not retried."""


@dataclass(frozen=True)
class TranscodeRequest:
    video_id: str
    task_token: str
    source_bucket: str
    source_key: str
    media_bucket: str
    probe: ProbeResult

    @property
    def prefix(self) -> str:
        """Where this video's outputs live in the media bucket."""
        return f"videos/{self.video_id}/"


class Transcoder(Protocol):
    name: str

    def transcode(self, request: TranscodeRequest) -> dict[str, Any] | None: ...
