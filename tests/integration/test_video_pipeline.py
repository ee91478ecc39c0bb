"""The video pipeline on the emulator.

In-process moto: upload events start one execution per video whatever is repeated (the event, the complete call),
irrelevant events are dropped without poisoning the queue, and `record_outputs` writes renditions and `ready` as
one transaction. Server-mode moto (`moto_server`): the whole chain for real — the object lands in the uploads
bucket, S3 → EventBridge → SQS, the app's own handlers served by the local event pump, the state machine run by
moto's interpreter, FFmpeg transcoding — ending `ready`, or `failed` with the reason for a corrupt or short upload.
"""

from __future__ import annotations

import json
import os
import time
from urllib.parse import urlsplit

import boto3
import pytest
import requests

from tests.support.clips import make_clip

REGION = "us-east-1"


def settings():
    from chalicelib.config import get_settings

    return get_settings()


def create_pipeline_resources() -> None:
    from local import resources

    resources.create_buckets()
    resources.create_queues()
    resources.create_rules()
    resources.create_state_machine()


def executions(*names: str) -> list[dict]:
    """The pipeline's executions (those named `names`, if given)."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    found = sfn.list_executions(stateMachineArn=settings().video_state_machine_arn)["executions"]
    return [e for e in found if not names or e["name"] in names]


def object_created(key: str, bucket: str | None = None, size: int = 1000) -> dict:
    """An S3 "Object Created" event as EventBridge delivers it to the queue."""
    return {"version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": "Object Created",
            "source": "aws.s3", "account": "123456789012", "time": "2026-01-15T10:00:00Z", "region": REGION,
            "resources": [f"arn:aws:s3:::{bucket or settings().uploads_bucket}"],
            "detail": {"version": "0", "bucket": {"name": bucket or settings().uploads_bucket},
                       "object": {"key": key, "size": size, "etag": "b1946ac92492d2347c6235b4d2611184",
                                  "sequencer": "00617F08299329D189"},
                       "request-id": "N4N7GDK58NMKJ12R", "requester": "123456789012", "reason": "PutObject"}}


def invoke(api, name: str, *bodies) -> None:
    client = api._client
    raw = [b if isinstance(b, str) else json.dumps(b) for b in bodies]
    client.lambda_.invoke(name, client.events.generate_sqs_event(message_bodies=raw, queue_name=name))


@pytest.fixture
def studio(api):
    create_pipeline_resources()
    api.creator("alice")
    return api


def upload(api, data: bytes, user: str = "alice") -> tuple[str, list[dict]]:
    """Through the API as a browser does: an upload session, parts PUT to presigned URLs, complete."""
    started = api.call("POST", "/v1/videos/uploads", user,
                       {"filename": "talk.mp4", "content_type": "video/mp4", "size_bytes": len(data)})
    assert started.status_code == 201, started.json
    upload_ = started.json["upload"]
    parts = []
    for entry in upload_["parts"]:
        n, size = entry["part_number"], upload_["part_size_bytes"]
        response = requests.put(entry["url"], data=data[(n - 1) * size:n * size], timeout=30)
        parts.append({"part_number": n, "etag": response.headers["ETag"]})
    video_id = started.json["video"]["video_id"]
    done = api.call("POST", f"/v1/videos/{video_id}/complete", user, {"parts": parts})
    assert done.status_code == 200 and done.json["status"] == "processing", done.json
    return video_id, parts


def test_repeated_events_and_completes_start_one_execution(studio):
    api = studio
    video_id, parts = upload(api, os.urandom(2000))
    key = f"uploads/alice/{video_id}/source"
    again = api.call("POST", f"/v1/videos/{video_id}/complete", "alice", {"parts": parts})  # a double click
    assert again.status_code == 200 and again.json["status"] == "processing"
    invoke(api, "on_video_uploaded", object_created(key))
    invoke(api, "on_video_uploaded", object_created(key), object_created(key))  # redelivered, and twice in a batch
    (execution,) = executions()
    assert execution["name"] == video_id
    described = boto3.client("stepfunctions", region_name=REGION).describe_execution(
        executionArn=execution["executionArn"])
    assert json.loads(described["input"]) == {"video_id": video_id, "bucket": settings().uploads_bucket, "key": key}


def test_events_that_are_not_ours_are_dropped_quietly(studio):
    api = studio
    from chalicelib.models import VideoAsset

    video_id, _ = upload(api, os.urandom(500))
    VideoAsset.get(video_id).update(actions=[VideoAsset.status.set("ready")])
    invoke(api, "on_video_uploaded",
           object_created(f"uploads/alice/{video_id}/source"),  # already finished
           object_created("uploads/alice/vid_unknown/source"),  # no such video
           object_created(f"uploads/mallory/{video_id}/source"),  # someone else's folder
           object_created(f"uploads/alice/{video_id}/source", bucket="another-bucket"),
           object_created(f"uploads/alice/{video_id}/source.part"),
           object_created("avatars/alice.png"),
           {**object_created(f"uploads/alice/{video_id}/source"), "detail-type": "Object Deleted"},
           "not json", "[]")
    assert executions() == []


# --- record_outputs ----------------------------------------------------------------------------------------


def processing_asset(video_id: str = "vid_rec", status: str = "processing"):
    from chalicelib.models import VideoAsset

    asset = VideoAsset(video_id, creator_id="alice", status=status, filename="a.mp4", content_type="video/mp4",
                       declared_size_bytes=10, original_key=f"uploads/alice/{video_id}/source")
    asset.save()
    return asset


def outputs(video_id: str = "vid_rec", **changes) -> dict:
    base = {"transcoder": "ffmpeg", "job_id": None, "master_key": f"videos/{video_id}/hls/master.m3u8",
            "thumbnail_key": f"videos/{video_id}/poster.jpg", "storyboard_key": f"videos/{video_id}/storyboard.jpg",
            "storyboard_vtt_key": f"videos/{video_id}/storyboard.vtt", "duration_ms": 3000, "width": 1280,
            "height": 720, "video_codec": "h264", "audio_codec": "aac", "original_size_bytes": 12345,
            "variants": [{"quality": q, "width": w, "height": h, "bitrate": b, "size_bytes": s,
                          "playlist_key": f"videos/{video_id}/hls/{q}/index.m3u8"}
                         for q, w, h, b, s in (("720p", 1280, 720, 3_000_000, 900), ("360p", 640, 360, 900_000, 300))]}
    return {**base, **changes}


@pytest.fixture
def ready_calls(monkeypatch):
    from chalicelib.services.video import pipeline

    calls: list[str] = []
    monkeypatch.setattr(pipeline, "on_ready", calls.append)
    return calls


def variants_of(video_id: str) -> list[tuple]:
    from chalicelib.models import VideoQualityVariant

    return sorted((v.quality, v.width, v.height, v.bitrate_bps, v.size_bytes, v.playlist_key)
                  for v in VideoQualityVariant.query(video_id))


def test_record_outputs_makes_the_asset_ready_with_its_renditions(aws, ready_calls):
    from chalicelib.models import VideoAsset
    from chalicelib.services.video.pipeline import record_outputs

    processing_asset()
    record_outputs("vid_rec", outputs())
    asset = VideoAsset.get("vid_rec")
    assert (asset.status, asset.duration_ms, asset.width, asset.height) == ("ready", 3000, 1280, 720)
    assert asset.hls_master_key == "videos/vid_rec/hls/master.m3u8" and asset.thumbnail_key.endswith("poster.jpg")
    assert (asset.storyboard_key, asset.storyboard_vtt_key) == ("videos/vid_rec/storyboard.jpg",
                                                                "videos/vid_rec/storyboard.vtt")
    assert (asset.transcoder, asset.video_codec, asset.audio_codec, asset.original_size_bytes) == (
        "ffmpeg", "h264", "aac", 12345)
    assert asset.processed_at is not None and asset.error_code is None
    assert variants_of("vid_rec") == [("360p", 640, 360, 900_000, 300, "videos/vid_rec/hls/360p/index.m3u8"),
                                      ("720p", 1280, 720, 3_000_000, 900, "videos/vid_rec/hls/720p/index.m3u8")]
    assert ready_calls == ["vid_rec"]

    record_outputs("vid_rec", outputs(duration_ms=9999))  # a redelivered Record task: nothing rewritten
    assert VideoAsset.get("vid_rec").duration_ms == 3000 and ready_calls == ["vid_rec", "vid_rec"]


def test_nothing_is_recorded_unless_the_asset_is_still_processing(aws, ready_calls, monkeypatch):
    from chalicelib.errors import InvalidInput, NotFound
    from chalicelib.models import VideoAsset
    from chalicelib.services.video.pipeline import record_outputs

    with pytest.raises(NotFound):
        record_outputs("vid_rec", outputs())
    processing_asset(status="failed")
    with pytest.raises(InvalidInput):
        record_outputs("vid_rec", outputs())
    # The asset fails between our read and our write: the transaction applies nothing, not even the variants.
    from pynamodb.exceptions import TransactWriteError

    processing_asset()
    read = VideoAsset.get

    def read_then_fail(*args, **kwargs):
        asset = read(*args, **kwargs)
        read(*args).update(actions=[VideoAsset.status.set("failed")])  # a concurrent MarkFailed
        return asset

    monkeypatch.setattr(VideoAsset, "get", read_then_fail)
    with pytest.raises(TransactWriteError):
        record_outputs("vid_rec", outputs())
    assert variants_of("vid_rec") == [] and ready_calls == []


@pytest.mark.parametrize("changes", [
    {"master_key": None},
    {"master_key": "videos/other/hls/master.m3u8"},
    {"thumbnail_key": "videos/vid_rec/../other/poster.jpg"},
    {"variants": []},
    {"variants": [{"quality": "720p", "width": 0, "height": 720, "bitrate": 1, "size_bytes": 1,
                   "playlist_key": "videos/vid_rec/hls/720p/index.m3u8"}]},
    {"variants": [{"quality": "720p", "width": 2, "height": 2, "bitrate": 1, "size_bytes": 1,
                   "playlist_key": "videos/vid_rec/hls/720p/index.m3u8"}] * 2},
    {"variants": [{"quality": "7/20p", "width": 2, "height": 2, "bitrate": 1, "size_bytes": 1,
                   "playlist_key": "videos/vid_rec/hls/720p/index.m3u8"}]},
    {"duration_ms": 0},
    {"width": "1280"},
])
def test_outputs_breaking_the_rules_are_refused(aws, ready_calls, changes):
    from chalicelib.errors import InvalidInput
    from chalicelib.models import VideoAsset
    from chalicelib.services.video.pipeline import record_outputs

    processing_asset()
    with pytest.raises(InvalidInput):
        record_outputs("vid_rec", outputs(**changes))
    assert VideoAsset.get("vid_rec").status == "processing" and variants_of("vid_rec") == []


# --- the whole chain, for real ------------------------------------------------------------------------------


@pytest.fixture
def emulator(moto_server, monkeypatch):
    """moto in server mode executing state machines (it calls back to MOTO_PORT) with the app's resources."""
    from moto.core.config import default_user_config

    from local import moto_fixes

    port = urlsplit(os.environ["AWS_ENDPOINT_URL"]).port
    monkeypatch.setenv("MOTO_PORT", str(port))
    monkeypatch.setitem(default_user_config, "stepfunctions", {"execute_state_machine": True})
    moto_fixes.apply(monkeypatch.setattr)
    create_pipeline_resources()
    yield
    # Server-mode backends live in this process and outlast the server: leave no executions or queued messages.
    requests.post(f"{os.environ['AWS_ENDPOINT_URL']}/moto-api/reset", timeout=30)


def asset_of(video_id: str):
    from chalicelib.models import VideoAsset

    return VideoAsset.get(video_id, consistent_read=True)


def new_upload(video_id: str, path) -> str:
    """An asset whose upload was just completed, and its object (whose "Object Created" starts the pipeline)."""
    processing_asset(video_id)
    key = f"uploads/alice/{video_id}/source"
    boto3.client("s3", region_name=REGION).upload_file(str(path), settings().uploads_bucket, key)
    return key


def run_pipeline(video_ids: list[str], limit_seconds: float = 300) -> None:
    """Serve the app's queues with the local event pump until every video is ready or failed (bounded)."""
    from app import app
    from local.pump import Pump

    pump = Pump(app, stage="test", region=REGION, sqs=boto3.client("sqs", region_name=REGION))
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        busy = sum(pump.poll_queue(queue) for queue in pump.queues)
        if all(asset_of(v).status in ("ready", "failed") for v in video_ids) and all(
                e["status"] != "RUNNING" for e in executions(*video_ids)):
            return
        if not busy:
            time.sleep(0.2)
    pytest.fail(f"pipeline still running after {limit_seconds} s: {[asset_of(v).status for v in video_ids]}")


def test_an_upload_becomes_ready_through_the_whole_chain(emulator, tmp_path, monkeypatch):
    from chalicelib.services.video import pipeline

    attached: list[str] = []
    monkeypatch.setattr(pipeline, "on_ready", attached.append)
    key = new_upload("vid_real", make_clip(tmp_path / "talk.mp4", width=854, height=480, seconds=3))
    run_pipeline(["vid_real"])

    asset = asset_of("vid_real")
    assert asset.status == "ready", (asset.error_code, asset.processing_error)
    assert (asset.width, asset.height, asset.video_codec, asset.audio_codec) == (854, 480, "h264", "aac")
    assert 2900 <= asset.duration_ms <= 3100 and asset.transcoder == "ffmpeg" and asset.processed_at
    assert asset.original_size_bytes == (tmp_path / "talk.mp4").stat().st_size
    assert asset.execution_arn.endswith(":vid_real")
    assert [v[:3] for v in variants_of("vid_real")] == [("360p", 640, 360), ("480p", 854, 480)]
    media = boto3.client("s3", region_name=REGION)
    for name in (asset.hls_master_key, asset.thumbnail_key, asset.storyboard_key, asset.storyboard_vtt_key):
        assert media.head_object(Bucket=settings().media_bucket, Key=name)["ContentLength"] > 0
    assert attached == ["vid_real"]
    (execution,) = executions("vid_real")
    assert execution["status"] == "SUCCEEDED"

    # The same S3 event again, later (EventBridge delivers at least once): nothing new starts.
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.get_queue_url(QueueName=settings().queue_name("video-uploads"))["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(object_created(key)))
    run_pipeline(["vid_real"], limit_seconds=30)
    assert len(executions("vid_real")) == 1 and asset_of("vid_real").status == "ready"


def test_corrupt_and_short_uploads_fail_with_their_reason(emulator, tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(os.urandom(50_000))
    new_upload("vid_junk", junk)
    new_upload("vid_short", make_clip(tmp_path / "short.mp4", seconds=0.4))
    run_pipeline(["vid_junk", "vid_short"])

    junk_asset, short_asset = asset_of("vid_junk"), asset_of("vid_short")
    assert (junk_asset.status, junk_asset.error_code) == ("failed", "not_video")
    assert junk_asset.processing_error == "the file is not a video we can read"
    assert (short_asset.status, short_asset.error_code) == ("failed", "too_short")
    assert "shorter than the minimum" in short_asset.processing_error
    assert variants_of("vid_junk") == variants_of("vid_short") == []
    assert sorted(e["status"] for e in executions("vid_junk", "vid_short")) == ["FAILED", "FAILED"]
