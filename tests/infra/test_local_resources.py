"""The local runtime's video resources (`local/resources.py` from `infra/video.py` and the ASL file) in moto, and the
S3 → EventBridge → SQS wiring that starts the pipeline."""

from __future__ import annotations

import json

import boto3
import pytest

from infra import search, state_machine, video


@pytest.fixture
def settings(aws):
    from chalicelib.config import get_settings

    return get_settings()


@pytest.fixture
def resources(settings):
    from local.resources import create_all

    return create_all()


def client(service: str):
    return boto3.client(service, region_name="us-east-1")


def attributes(name: str) -> dict[str, str]:
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_create_all_is_idempotent(resources, settings):
    from local.resources import create_all

    names = {settings.queue_name(spec.purpose) for spec in video.QUEUES}
    search_queue = settings.queue_name(search.QUEUE.purpose)
    assert set(resources["queues"]) == names | {name + video.DLQ_SUFFIX for name in names} | {
        search_queue, search.dlq_name(search_queue)}
    assert resources["state machines"] == [settings.video_state_machine_name]
    assert len(resources["rules"]) == len(video.rules(settings.uploads_bucket, settings.table_prefix))
    assert all(not created for created in create_all().values())  # a second run finds everything


def test_every_queue_redrives_to_its_dlq(resources, settings):
    for spec in video.QUEUES:
        name = settings.queue_name(spec.purpose)
        queue, dlq = attributes(name), attributes(name + video.DLQ_SUFFIX)
        assert json.loads(queue["RedrivePolicy"]) == {"deadLetterTargetArn": dlq["QueueArn"],
                                                      "maxReceiveCount": spec.max_receive_count}
        assert int(queue["VisibilityTimeout"]) == spec.visibility_timeout_seconds
        assert "RedrivePolicy" not in dlq


def test_rules_target_their_queues(resources, settings):
    events = client("events")
    for rule in video.rules(settings.uploads_bucket, settings.table_prefix):
        name = f"{settings.table_prefix}-{rule.name}"
        assert json.loads(events.describe_rule(Name=name)["EventPattern"]) == rule.pattern
        (target,) = events.list_targets_by_rule(Rule=name)["Targets"]
        assert target["Arn"] == attributes(settings.queue_name(rule.target))["QueueArn"]


def test_state_machine_runs_the_rendered_asl_under_the_arn_the_app_starts(resources, settings):
    from chalicelib.models import VideoAsset

    sfn = client("stepfunctions")
    described = sfn.describe_state_machine(stateMachineArn=settings.video_state_machine_arn)
    definition = described["definition"]
    assert not state_machine.placeholders_in(definition)
    tasks_url = client("sqs").get_queue_url(QueueName=settings.queue_name("video-tasks"))["QueueUrl"]
    assert json.loads(definition) == json.loads(state_machine.render(video.state_machine_values(
        assets_table=VideoAsset.Meta.table_name, tasks_queue_url=tasks_url, media_bucket=settings.media_bucket)))


def received(queue_name: str) -> list[dict]:
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def test_a_completed_multipart_upload_under_uploads_reaches_the_video_uploads_queue(resources, settings):
    s3 = client("s3")
    key = "uploads/creator-1/vid_1/source"
    upload = s3.create_multipart_upload(Bucket=settings.uploads_bucket, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=settings.uploads_bucket, Key=key, UploadId=upload, PartNumber=1,
                          Body=b"x" * 1024)["ETag"]
    s3.complete_multipart_upload(Bucket=settings.uploads_bucket, Key=key, UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    s3.put_object(Bucket=settings.uploads_bucket, Key="elsewhere/file", Body=b"x")  # not under uploads/
    s3.put_object(Bucket=settings.media_bucket, Key="uploads/not-the-uploads-bucket", Body=b"x")

    events = received(settings.queue_name("video-uploads"))
    # moto 5.2.5 reports a completed multipart upload twice (AWS once, but delivers at least once): the handler
    # starts executions named after the video, so a repeat starts nothing.
    assert events and {(event["source"], event["detail-type"]) for event in events} == {("aws.s3", "Object Created")}
    assert {(event["detail"]["bucket"]["name"], event["detail"]["object"]["key"]) for event in events} == {
        (settings.uploads_bucket, key)}
    assert received(settings.queue_name("mediaconvert-events")) == []


def test_only_our_mediaconvert_job_changes_reach_the_mediaconvert_queue(resources, settings):
    def change(status: str, metadata: dict) -> dict:
        return {"Source": "aws.mediaconvert", "DetailType": "MediaConvert Job State Change",
                "Detail": json.dumps({"status": status, "jobId": "job-1", "userMetadata": metadata})}

    ours = {"task_token": "token-1", "video_id": "vid_1", "stage": settings.table_prefix}
    other_stage = {**ours, "stage": "cm-elsewhere"}
    client("events").put_events(Entries=[
        change("COMPLETE", ours), change("STATUS_UPDATE", ours), change("INPUT_INFORMATION", ours),
        change("COMPLETE", {"someone": "else"}), change("COMPLETE", other_stage)])
    delivered = received(settings.queue_name("mediaconvert-events"))
    assert sorted(event["detail"]["status"] for event in delivered) == ["COMPLETE", "STATUS_UPDATE"]
    assert all(event["detail"]["userMetadata"] == ours for event in delivered)
