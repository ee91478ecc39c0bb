"""The MediaConvert adapter: the CreateJob request (checked against botocore's service model with a Stubber), and
its "Job State Change" events turned into task-token completions (sample events shaped like the AWS docs')."""

from __future__ import annotations

import copy
import json

import boto3
import pytest
from botocore.stub import Stubber
from chalice.app import SQSEvent

from chalicelib.integrations.probe import ProbeResult
from chalicelib.integrations.transcoders import get_transcoder
from chalicelib.integrations.transcoders.base import TranscodeRequest
from chalicelib.integrations.transcoders.mediaconvert import (
    MediaConvertTranscoder,
    failure_cause,
    job_params,
    outputs_from_event,
    parse_event,
)

ROLE = "arn:aws:iam::123456789012:role/cm-test-mediaconvert"
TOKEN = "AAAAKgAAAAIAAAAAAAAAA-task-token"
STAGE = "cm-test"
LANDSCAPE = ProbeResult(duration_ms=30_041, width=1920, height=1080, video_codec="h264", audio_codec="aac",
                        frame_rate=30.0, format_name="mov,mp4,m4a,3gp,3g2,mj2")


def params(probe: ProbeResult = LANDSCAPE) -> dict:
    return job_params(video_id="vid_1", task_token=TOKEN, source_uri="s3://cm-test-video-uploads/uploads/u/vid_1/source",
                      media_bucket="cm-test-media", probe=probe, role_arn=ROLE,
                      stage=STAGE)


def hls_outputs(job: dict) -> list[dict]:
    return job["Settings"]["OutputGroups"][0]["Outputs"]


def test_one_job_with_the_ladder_qvbr_closed_gops_and_6s_segments():
    job = params()
    assert job["Role"] == ROLE
    assert job["UserMetadata"]["task_token"] == TOKEN and job["UserMetadata"]["video_id"] == "vid_1"
    assert job["UserMetadata"]["stage"] == STAGE  # the stage's EventBridge rule matches it
    hls = job["Settings"]["OutputGroups"][0]["OutputGroupSettings"]
    assert hls["Type"] == "HLS_GROUP_SETTINGS"
    assert hls["HlsGroupSettings"]["SegmentLength"] == 6
    assert hls["HlsGroupSettings"]["Destination"] == "s3://cm-test-media/videos/vid_1/hls/master"
    sizes = [(o["NameModifier"], o["VideoDescription"]["Width"], o["VideoDescription"]["Height"])
             for o in hls_outputs(job)]
    assert sizes == [("_1080p", 1920, 1080), ("_720p", 1280, 720), ("_480p", 854, 480), ("_360p", 640, 360)]
    for output in hls_outputs(job):
        h264 = output["VideoDescription"]["CodecSettings"]["H264Settings"]
        assert h264["RateControlMode"] == "QVBR" and h264["MaxBitrate"] > 0
        assert (h264["GopSize"], h264["GopSizeUnits"], h264["GopClosedCadence"]) == (2, "SECONDS", 1)
        assert h264["SceneChangeDetect"] == "DISABLED"
        assert output["AudioDescriptions"][0]["CodecSettings"]["Codec"] == "AAC"
    assert job["Settings"]["Inputs"][0]["FileInput"] == "s3://cm-test-video-uploads/uploads/u/vid_1/source"
    poster = job["Settings"]["OutputGroups"][1]
    assert poster["OutputGroupSettings"]["FileGroupSettings"]["Destination"] == "s3://cm-test-media/videos/vid_1/poster"
    assert poster["Outputs"][0]["VideoDescription"]["CodecSettings"]["Codec"] == "FRAME_CAPTURE"


def test_portrait_small_and_silent_sources():
    portrait = ProbeResult(**{**LANDSCAPE.to_dict(), "width": 720, "height": 1280, "audio_codec": None})
    job = params(portrait)
    assert [(o["VideoDescription"]["Width"], o["VideoDescription"]["Height"]) for o in hls_outputs(job)] == [
        (720, 1280), (480, 854), (360, 640)]  # nothing above the source, portrait kept
    assert all("AudioDescriptions" not in o for o in hls_outputs(job))
    assert "AudioSelectors" not in job["Settings"]["Inputs"][0]
    tiny = ProbeResult(**{**LANDSCAPE.to_dict(), "width": 426, "height": 240})
    assert [o["NameModifier"] for o in hls_outputs(params(tiny))] == ["_240p"]


def test_create_job_sends_exactly_these_settings_valid_for_the_service_model():
    client = boto3.client("mediaconvert", region_name="us-east-1", endpoint_url="https://mediaconvert.example")
    request = TranscodeRequest(video_id="vid_1", task_token=TOKEN, source_bucket="cm-test-video-uploads",
                               source_key="uploads/u/vid_1/source", media_bucket="cm-test-media", probe=LANDSCAPE)
    with Stubber(client) as stub:  # the stubber validates the request against botocore's MediaConvert model
        stub.add_response("create_job", {"Job": {"Id": "1671476818694-phptj0", "Role": ROLE, "Settings": {}}},
                          expected_params=params())
        assert MediaConvertTranscoder(role_arn=ROLE, stage=STAGE, client=client).transcode(request) is None
        stub.assert_no_pending_responses()


def test_a_redelivered_task_reuses_the_job_idempotency_token():
    assert params()["ClientRequestToken"] == params()["ClientRequestToken"]
    other = job_params(video_id="vid_1", task_token=TOKEN + "-retry", source_uri="s3://b/k", media_bucket="m",
                       probe=LANDSCAPE, role_arn=ROLE, stage=STAGE)
    assert other["ClientRequestToken"] != params()["ClientRequestToken"]


def test_the_transcoder_is_chosen_by_name():
    assert get_transcoder("ffmpeg").name == "ffmpeg" and get_transcoder("mediaconvert").name == "mediaconvert"
    with pytest.raises(ValueError):
        get_transcoder("handbrake")


# --- events (shapes from the MediaConvert user guide: "Apple HLS group", "Events with ERROR status") ------------

def complete_event(metadata: dict | None = None) -> dict:
    return {
        "version": "0", "id": "1234abcd-12ab-34cd-56ef-1234567890ab", "detail-type": "MediaConvert Job State Change",
        "source": "aws.mediaconvert", "account": "111122223333", "time": "2022-12-19T19:07:12Z",
        "region": "us-west-2", "resources": ["arn:aws:mediaconvert:us-west-2::jobs/1671476818694-phptj0"],
        "detail": {
            "timestamp": 1671476832124, "accountId": "111122223333",
            "queue": "arn:aws:mediaconvert:us-west-2:111122223333:queues/Default", "jobId": "1671476818694-phptj0",
            "status": "COMPLETE",
            "userMetadata": metadata if metadata is not None else params()["UserMetadata"],
            "outputGroupDetails": [
                {"outputDetails": [
                    {"outputFilePaths": ["s3://cm-test-media/videos/vid_1/hls/master_360p.m3u8"],
                     "durationInMs": 30041, "videoDetails": {"widthInPx": 640, "heightInPx": 360}},
                    {"outputFilePaths": ["s3://cm-test-media/videos/vid_1/hls/master_1080p.m3u8"],
                     "durationInMs": 30041, "videoDetails": {"widthInPx": 1920, "heightInPx": 1080,
                                                             "averageQVBRScore": 7.38}},
                ], "playlistFilePaths": ["s3://cm-test-media/videos/vid_1/hls/master.m3u8"], "type": "HLS_GROUP"},
                {"outputDetails": [{"outputFilePaths": ["s3://cm-test-media/videos/vid_1/poster.0000001.jpg"],
                                    "durationInMs": 30041, "videoDetails": {"widthInPx": 1920, "heightInPx": 1080}}],
                 "type": "FILE_GROUP"},
            ],
        },
    }


def error_event() -> dict:
    event = complete_event()
    detail = event["detail"]
    del detail["outputGroupDetails"]
    detail.update(status="ERROR", errorCode=1040, errorMessage="Invalid input: no video track found")
    return event


def test_complete_event_to_outputs():
    job = parse_event(complete_event())
    assert (job.status, job.task_token, job.video_id) == ("COMPLETE", TOKEN, "vid_1")
    outputs = outputs_from_event(job, "cm-test-media")
    assert outputs["master_key"] == "videos/vid_1/hls/master.m3u8"
    assert outputs["thumbnail_key"] == "videos/vid_1/poster.0000001.jpg"
    assert outputs["duration_ms"] == 30041 and outputs["job_id"] == "1671476818694-phptj0"
    assert outputs["storyboard_key"] is None and outputs["transcoder"] == "mediaconvert"
    assert [(v["quality"], v["width"], v["height"], v["bitrate"], v["playlist_key"]) for v in outputs["variants"]] == [
        ("1080p", 1920, 1080, 5_128_000, "videos/vid_1/hls/master_1080p.m3u8"),
        ("360p", 640, 360, 928_000, "videos/vid_1/hls/master_360p.m3u8")]


def test_outputs_outside_the_media_bucket_are_refused():
    event = complete_event()
    event["detail"]["outputGroupDetails"][0]["playlistFilePaths"] = ["s3://elsewhere/videos/vid_1/hls/master.m3u8"]
    with pytest.raises(ValueError):
        outputs_from_event(parse_event(event), "cm-test-media")


def test_error_event_cause():
    assert failure_cause(parse_event(error_event())) == (
        "MediaConvert job 1671476818694-phptj0 ERROR (1040): Invalid input: no video track found")


class Calls:
    def __init__(self, monkeypatch, gone: bool = False) -> None:
        from chalicelib.integrations import media_store, stepfunctions

        self.calls: list[tuple] = []

        def record(name):
            def call(*args):
                self.calls.append((name, *args))
                if gone:
                    raise stepfunctions.TaskGone("TaskTimedOut")
            return call

        for name in ("send_task_success", "send_task_failure", "send_task_heartbeat"):
            monkeypatch.setattr(stepfunctions, name, record(name))
        monkeypatch.setattr(media_store, "prefix_size", lambda bucket, prefix: self.calls.append(
            ("prefix_size", bucket, prefix)) or 1000 + len(prefix))


def deliver(*events: dict) -> None:
    from chalicelib.handlers.video_events import on_mediaconvert_event

    on_mediaconvert_event(SQSEvent({"Records": [{"body": json.dumps(e), "receiptHandle": "r", "messageId": str(i)}
                                                for i, e in enumerate(events)]}, None))


def test_handler_completes_the_token_with_measured_renditions(monkeypatch):
    spy = Calls(monkeypatch)
    deliver(complete_event())
    sizes = [c for c in spy.calls if c[0] == "prefix_size"]
    assert [c[2] for c in sizes] == ["videos/vid_1/hls/master_1080p", "videos/vid_1/hls/master_360p"]
    ((name, token, outputs),) = [c for c in spy.calls if c[0] != "prefix_size"]
    assert (name, token) == ("send_task_success", TOKEN)
    assert [v["size_bytes"] for v in outputs["variants"]] == [1000 + len(c[2]) for c in sizes]


def test_handler_fails_the_token_on_error_and_heartbeats_on_progress(monkeypatch):
    spy = Calls(monkeypatch)
    progress = copy.deepcopy(error_event())
    progress["detail"].update(status="STATUS_UPDATE", framesDecoded=1200)
    canceled = copy.deepcopy(error_event())
    canceled["detail"]["status"] = "CANCELED"
    deliver(error_event(), progress, canceled)
    failed = ("send_task_failure", TOKEN, "transcode_failed")
    assert [c[:3] for c in spy.calls] == [failed, ("send_task_heartbeat", TOKEN), failed]
    assert "no video track found" in spy.calls[0][3]


def test_handler_ignores_other_jobs_and_closed_tokens(monkeypatch):
    spy = Calls(monkeypatch, gone=True)
    deliver(complete_event(metadata={}))  # not one of ours: no token
    assert spy.calls == []
    deliver(error_event())  # the token timed out meanwhile: dropped, no exception (the queue is not poisoned)
    assert [c[0] for c in spy.calls] == ["send_task_failure"]


def test_unusable_complete_event_fails_the_task(monkeypatch):
    spy = Calls(monkeypatch)
    event = complete_event()
    event["detail"]["outputGroupDetails"] = []
    deliver(event)
    assert [c[:3] for c in spy.calls] == [("send_task_failure", TOKEN, "transcode_failed")]
