"""The AWS transcoder: one Elemental MediaConvert job per video, completed through its EventBridge event.

`job_params` (pure) builds the whole CreateJob request: an HLS output group with the ladder's rungs (no upscaling,
portrait kept), QVBR rate control capped at each rung's bitrate, closed 2 s GOPs without scene-cut keyframes and
6 s segments (the same shape as the FFmpeg transcoder), plus a FRAME_CAPTURE output for the poster. The job carries
the workflow's task token in `UserMetadata`; MediaConvert's "Job State Change" event (EventBridge → SQS
`mediaconvert-events` → `on_mediaconvert_event`) completes it. MediaConvert makes no storyboard sprite: on AWS the
storyboard keys stay empty.

Output names (SINGLE_DIRECTORY): `videos/<id>/hls/master.m3u8`, `videos/<id>/hls/master_<quality>.m3u8` and its
segments `master_<quality>_NNNNN.ts`, `videos/<id>/poster.NNNNNNN.jpg` — read back from the COMPLETE event's
`outputGroupDetails`, never guessed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from chalicelib.integrations.probe import ProbeResult
from chalicelib.integrations.transcoders.base import TranscodeRequest
from chalicelib.integrations.transcoders.ladder import Rung, ladder

SEGMENT_SECONDS = 6
GOP_SECONDS = 2
QVBR_QUALITY = 7
AUDIO_SELECTOR = "Audio Selector 1"
POSTER_EVERY_SECONDS = 3  # captures at 0 s and 3 s: the event names the last one, past a black first frame
STATUS_UPDATE_INTERVAL = "SECONDS_60"  # STATUS_UPDATE events double as the task's heartbeats
_VARIANT = re.compile(r"_([A-Za-z0-9]+)\.m3u8$")


def _s3_key(uri: str, bucket: str) -> str:
    prefix = f"s3://{bucket}/"
    if not uri.startswith(prefix):
        raise ValueError(f"output outside the media bucket: {uri}")
    return uri[len(prefix):]


def _hls_output(rung: Rung, has_audio: bool) -> dict[str, Any]:
    output: dict[str, Any] = {
        "NameModifier": f"_{rung.quality}",
        "ContainerSettings": {"Container": "M3U8", "M3u8Settings": {}},
        "VideoDescription": {
            "Width": rung.width, "Height": rung.height, "ScalingBehavior": "DEFAULT", "Sharpness": 50,
            "CodecSettings": {"Codec": "H_264", "H264Settings": {
                "RateControlMode": "QVBR", "QvbrSettings": {"QvbrQualityLevel": QVBR_QUALITY},
                "MaxBitrate": rung.video_bitrate,
                "GopSize": GOP_SECONDS, "GopSizeUnits": "SECONDS", "GopClosedCadence": 1,
                "SceneChangeDetect": "DISABLED", "CodecProfile": "HIGH", "CodecLevel": "AUTO",
                "NumberBFramesBetweenReferenceFrames": 2}},
        },
    }
    if has_audio:
        output["AudioDescriptions"] = [{"AudioSourceName": AUDIO_SELECTOR, "CodecSettings": {
            "Codec": "AAC", "AacSettings": {"Bitrate": rung.audio_bitrate, "CodingMode": "CODING_MODE_2_0",
                                            "SampleRate": 48000}}}]
    return output


def ladder_metadata(rungs: list[Rung]) -> str:
    """`1080p:5128000,720p:2928000`: each rung's nominal bandwidth, carried to the COMPLETE event."""
    return ",".join(f"{rung.quality}:{rung.bitrate}" for rung in rungs)


def job_params(*, video_id: str, task_token: str, source_uri: str, media_bucket: str, probe: ProbeResult,
               role_arn: str, stage: str) -> dict[str, Any]:
    """The CreateJob request for one video (pure). `stage` (the stage's table prefix) goes into the metadata: the
    stage's EventBridge rule matches it, so two stages in one account never receive each other's job events."""
    rungs = ladder(probe.width, probe.height, has_audio=probe.has_audio)
    top = rungs[0]
    video_input: dict[str, Any] = {"FileInput": source_uri, "TimecodeSource": "ZEROBASED", "VideoSelector": {}}
    if probe.has_audio:
        video_input["AudioSelectors"] = {AUDIO_SELECTOR: {"DefaultSelection": "DEFAULT"}}
    destination = f"s3://{media_bucket}/videos/{video_id}/"
    return {
        "Role": role_arn,
        "ClientRequestToken": hashlib.sha256(task_token.encode()).hexdigest(),  # a redelivered task: one job
        "UserMetadata": {"task_token": task_token, "video_id": video_id, "stage": stage,
                         "ladder": ladder_metadata(rungs)},
        "StatusUpdateInterval": STATUS_UPDATE_INTERVAL,
        "Settings": {
            "TimecodeConfig": {"Source": "ZEROBASED"},
            "Inputs": [video_input],
            "OutputGroups": [
                {"Name": "HLS", "OutputGroupSettings": {"Type": "HLS_GROUP_SETTINGS", "HlsGroupSettings": {
                    "Destination": f"{destination}hls/master", "SegmentLength": SEGMENT_SECONDS,
                    "MinSegmentLength": 0, "SegmentControl": "SEGMENTED_FILES",
                    "DirectoryStructure": "SINGLE_DIRECTORY",
                    "OutputSelection": "MANIFESTS_AND_SEGMENTS", "ManifestDurationFormat": "INTEGER",
                    "CodecSpecification": "RFC_4281", "StreamInfResolution": "INCLUDE", "ProgramDateTime": "EXCLUDE",
                    "ClientCache": "ENABLED"}},
                 "Outputs": [_hls_output(rung, probe.has_audio) for rung in rungs]},
                {"Name": "Poster", "OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {
                    "Destination": f"{destination}poster"}},
                 "Outputs": [{"ContainerSettings": {"Container": "RAW"}, "Extension": "jpg", "VideoDescription": {
                     "Width": top.width, "Height": top.height, "CodecSettings": {
                         "Codec": "FRAME_CAPTURE", "FrameCaptureSettings": {
                             "FramerateNumerator": 1, "FramerateDenominator": POSTER_EVERY_SECONDS,
                             "MaxCaptures": 2, "Quality": 80}}}}]},
            ],
        },
    }


@dataclass(frozen=True)
class JobEvent:
    """What matters in a "MediaConvert Job State Change" event; task_token is empty for jobs that are not ours."""

    status: str
    job_id: str
    task_token: str
    video_id: str
    ladder: dict[str, int]
    detail: dict[str, Any]


def parse_event(event: dict[str, Any]) -> JobEvent:
    detail = event.get("detail") or {}
    metadata = detail.get("userMetadata") or {}
    bandwidths = {}
    for item in str(metadata.get("ladder", "")).split(","):
        quality, _, bitrate = item.partition(":")
        if quality and bitrate.isdigit():
            bandwidths[quality] = int(bitrate)
    return JobEvent(status=str(detail.get("status", "")), job_id=str(detail.get("jobId", "")),
                    task_token=str(metadata.get("task_token", "")), video_id=str(metadata.get("video_id", "")),
                    ladder=bandwidths, detail=detail)


def outputs_from_event(job: JobEvent, media_bucket: str) -> dict[str, Any]:
    """The pipeline's outputs from a COMPLETE event (pure; variant `size_bytes` are 0: the caller measures them)."""
    groups = job.detail.get("outputGroupDetails") or []
    hls = next((g for g in groups if g.get("type") == "HLS_GROUP"), None)
    if not hls or not hls.get("playlistFilePaths"):
        raise ValueError("COMPLETE event without an HLS output group")
    variants, duration_ms = [], 0
    for output in hls.get("outputDetails") or []:
        playlist = _s3_key(output["outputFilePaths"][0], media_bucket)
        match = _VARIANT.search(playlist)
        if not match:
            raise ValueError(f"unexpected rendition name: {playlist}")
        quality = match.group(1)
        video = output.get("videoDetails") or {}
        duration_ms = duration_ms or int(output.get("durationInMs") or 0)
        variants.append({"quality": quality, "width": int(video.get("widthInPx", 0)),
                         "height": int(video.get("heightInPx", 0)),
                         "bitrate": job.ladder.get(quality) or int(video.get("averageBitrate") or 0),
                         "playlist_key": playlist, "size_bytes": 0})
    frames = next((g for g in groups if g.get("type") == "FILE_GROUP"), None)
    poster = None
    if frames and frames.get("outputDetails"):
        poster = _s3_key(frames["outputDetails"][0]["outputFilePaths"][0], media_bucket)
    variants.sort(key=lambda v: v["width"] * v["height"], reverse=True)
    return {"transcoder": "mediaconvert", "job_id": job.job_id,
            "master_key": _s3_key(hls["playlistFilePaths"][0], media_bucket), "thumbnail_key": poster,
            "storyboard_key": None, "storyboard_vtt_key": None, "duration_ms": duration_ms,
            "variants": variants}


def rendition_prefix(playlist_key: str) -> str:
    """`.../master_720p.m3u8` → `.../master_720p`: the prefix of that rendition's playlist and segments only."""
    return playlist_key.removesuffix(".m3u8")


def failure_cause(job: JobEvent) -> str:
    code = job.detail.get("errorCode", "")
    message = job.detail.get("errorMessage") or job.status.lower()
    return f"MediaConvert job {job.job_id} {job.status}" + (f" ({code})" if code else "") + f": {message}"


class MediaConvertTranscoder:
    name = "mediaconvert"

    def __init__(self, *, role_arn: str, stage: str, endpoint: str = "", client: Any = None) -> None:
        self._role_arn = role_arn
        self._stage = stage
        self._endpoint = endpoint
        self._client = client

    def _mediaconvert(self) -> Any:
        if self._client is None:
            from chalicelib.integrations.aws import client

            self._client = client("mediaconvert", endpoint_url=self._endpoint or None)
        return self._client

    def transcode(self, request: TranscodeRequest) -> None:
        """Submit the job and return: the token is completed by the job's COMPLETE/ERROR event."""
        from chalicelib.observability import logger

        params = job_params(video_id=request.video_id, task_token=request.task_token,
                            source_uri=f"s3://{request.source_bucket}/{request.source_key}",
                            media_bucket=request.media_bucket, probe=request.probe, role_arn=self._role_arn,
                            stage=self._stage)
        job = self._mediaconvert().create_job(**params)["Job"]
        logger.info("mediaconvert job submitted", extra={"video_id": request.video_id, "job_id": job.get("Id")})
        return None
