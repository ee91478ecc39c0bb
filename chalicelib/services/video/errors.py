"""The video domain's own error codes (each with the one status it always answers with)."""

from __future__ import annotations

from chalicelib.errors import Conflict, Forbidden, InvalidInput


class UploadClosed(Conflict):
    """The upload cannot take parts or be completed any more (completed, aborted, expired)."""

    code = "upload_closed"


class UploadRejected(InvalidInput):
    """S3 refused to assemble the parts, or the stored object broke a limit (then it was deleted)."""

    code = "upload_rejected"


class PlaybackExpired(Forbidden):
    """A genuine playback token past its expiry: ask for a new one (`GET .../playback`)."""

    code = "playback_expired"


class InvalidCaptions(InvalidInput):
    """A caption file that is not strict WebVTT, too large, empty, or timed past the video's end."""

    code = "invalid_captions"
