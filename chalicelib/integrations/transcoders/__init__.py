"""Transcoders (`base.Transcoder`): FFmpeg in the worker (local default) or AWS Elemental MediaConvert. This module
only picks the one the settings name; the request, the outputs and the failure are defined in `base.py`."""

from __future__ import annotations

from chalicelib.config import get_settings
from chalicelib.integrations.transcoders.base import Transcoder
from chalicelib.integrations.transcoders.ffmpeg import FfmpegTranscoder
from chalicelib.integrations.transcoders.mediaconvert import MediaConvertTranscoder


def get_transcoder(name: str) -> Transcoder:
    """The transcoder `settings.transcoder` names."""
    if name == "ffmpeg":
        return FfmpegTranscoder()
    if name == "mediaconvert":
        settings = get_settings()
        return MediaConvertTranscoder(role_arn=settings.mediaconvert_role_arn, stage=settings.table_prefix,
                                      endpoint=settings.mediaconvert_endpoint)
    raise ValueError(f"unknown transcoder {name!r} (ffmpeg | mediaconvert)")
