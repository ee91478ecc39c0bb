"""Native video in the synthesized prod stack: buckets, queues + DLQs, EventBridge rules, the state machine from the
ASL file, MediaConvert's role, the signed-only CloudFront distribution, the functions' env and grants."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from chalicelib.config import get_settings
from chalicelib.models import VideoAsset
from infra import buckets, search, state_machine, video
from infra.stacks.video import PLACEHOLDER_PUBLIC_KEY, media_public_key
from tests.infra.cfn import STAGE, arn, as_list, granted, objects, one, ref, statements

SPA_ORIGIN = buckets.stage_cors_origin(STAGE)


def bucket(template: Template, name: str) -> tuple[str, dict[str, Any]]:
    return one(template, "AWS::S3::Bucket", f"Video{name}")


def queue(template: Template, name: str) -> tuple[str, dict[str, Any]]:
    found = template.find_resources("AWS::SQS::Queue", {"Properties": {"QueueName": name}})
    assert len(found) == 1, (name, sorted(found))
    return next(iter(found.items()))


def table_id(template: Template) -> str:
    (logical_id,) = template.find_resources("AWS::DynamoDB::Table",
                                            {"Properties": {"TableName": VideoAsset.Meta.table_name}})
    return logical_id


def bucket_policy(template: Template, logical_id: str) -> list[dict[str, Any]]:
    (policy,) = [policy for policy in template.find_resources("AWS::S3::BucketPolicy").values()
                 if policy["Properties"]["Bucket"] == ref(logical_id)]
    return policy["Properties"]["PolicyDocument"]["Statement"]


@pytest.mark.parametrize("name", ["Uploads", "Media"])
def test_video_buckets_are_private_encrypted_tls_only_and_abort_stale_uploads(template, name):
    logical_id, resource = bucket(template, name)
    props = resource["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}  # no ACLs
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
    assert {"AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}, "Id": "abort-incomplete-multipart-uploads",
            "Status": "Enabled"} in props["LifecycleConfiguration"]["Rules"]
    assert resource["DeletionPolicy"] == "Retain"
    deny = [statement for statement in bucket_policy(template, logical_id) if statement["Effect"] == "Deny"]
    assert [statement["Condition"] for statement in deny] == [{"Bool": {"aws:SecureTransport": "false"}}]


def test_uploads_bucket_takes_browser_part_uploads_and_reports_to_eventbridge(template):
    logical_id, resource = bucket(template, "Uploads")
    (rule,) = resource["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == [SPA_ORIGIN] and rule["AllowedMethods"] == ["PUT"]
    assert rule["ExposedHeaders"] == ["ETag"]  # the browser reads each part's ETag to complete the upload
    (notifications,) = [resource for resource in template.find_resources("Custom::S3BucketNotifications").values()
                        if resource["Properties"]["BucketName"] == ref(logical_id)]
    assert notifications["Properties"]["NotificationConfiguration"] == {"EventBridgeConfiguration": {}}
    assert not any(statement["Effect"] == "Allow" for statement in bucket_policy(template, logical_id))


def test_media_bucket_is_readable_only_by_the_distribution(template):
    logical_id, resource = bucket(template, "Media")
    (rule,) = resource["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == [SPA_ORIGIN] and set(rule["AllowedMethods"]) == {"GET", "HEAD"}
    allows = [statement for statement in bucket_policy(template, logical_id) if statement["Effect"] == "Allow"]
    distribution, _ = one(template, "AWS::CloudFront::Distribution", "VideoMediaCdn")
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"} and allow["Action"] == "s3:GetObject"
    condition = json.dumps(allow["Condition"])
    assert json.dumps(ref(distribution)) in condition and "AWS:SourceArn" in condition


def test_distribution_serves_only_signed_urls_over_https_through_oac(template):
    _, resource = one(template, "AWS::CloudFront::Distribution", "VideoMediaCdn")
    config = resource["Properties"]["DistributionConfig"]
    key_group, group = one(template, "AWS::CloudFront::KeyGroup", "VideoMediaKeyGroup")
    public_key, key = one(template, "AWS::CloudFront::PublicKey", "VideoMediaPublicKey")
    behaviours = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]
    for behaviour in behaviours:  # nothing unsigned is served, on any path
        assert behaviour["TrustedKeyGroups"] == [ref(key_group)]
        assert behaviour["ViewerProtocolPolicy"] == "https-only"
    assert group["Properties"]["KeyGroupConfig"]["Items"] == [ref(public_key)]
    # Without the `media_public_key` context the stack trusts a key whose private half does not exist.
    assert key["Properties"]["PublicKeyConfig"]["EncodedKey"] == PLACEHOLDER_PUBLIC_KEY.read_text()
    (origin,) = config["Origins"]
    media, _ = bucket(template, "Media")
    assert origin["DomainName"] == {"Fn::GetAtt": [media, "RegionalDomainName"]} and origin["OriginAccessControlId"]
    cors_id, cors = one(template, "AWS::CloudFront::ResponseHeadersPolicy", "VideoMediaCors")
    assert config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == ref(cors_id)
    cors_config = cors["Properties"]["ResponseHeadersPolicyConfig"]["CorsConfig"]
    assert cors_config["AccessControlAllowOrigins"] == {"Items": [SPA_ORIGIN]}


def test_media_public_key_comes_from_context_text_or_file(tmp_path):
    pem = "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n"
    (tmp_path / "key.pem").write_text(pem)
    assert media_public_key(pem) == pem
    assert media_public_key(str(tmp_path / "key.pem")) == pem
    assert media_public_key(None) == PLACEHOLDER_PUBLIC_KEY.read_text()


def test_every_video_queue_is_named_for_chalice_and_redrives_to_its_dlq(template):
    settings = get_settings()
    for spec in video.QUEUES:
        name = settings.queue_name(spec.purpose)
        dlq_id, dlq = queue(template, name + video.DLQ_SUFFIX)
        _, main = queue(template, name)
        assert main["Properties"]["RedrivePolicy"] == {"deadLetterTargetArn": arn(dlq_id),
                                                       "maxReceiveCount": spec.max_receive_count}
        assert main["Properties"]["VisibilityTimeout"] == spec.visibility_timeout_seconds
        assert dlq["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    for name, resource in template.find_resources("AWS::SQS::Queue").items():
        is_dlq = resource["Properties"]["QueueName"].removesuffix(".fifo").endswith(video.DLQ_SUFFIX)  # search's FIFO
        assert ("RedrivePolicy" in resource["Properties"]) != is_dlq, name  # every queue but the DLQs has one


def sqs_consumers(template: Template) -> dict[str, tuple[str, dict[str, Any]]]:
    """Queue name → (logical id, function) of every packaged function with an SQS event source."""
    found = {}
    for logical_id, function in template.find_resources("AWS::Serverless::Function").items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                found[event["Properties"]["Queue"]["Fn::Sub"].rsplit(":", 1)[-1]] = (logical_id, function)
    return found


def test_each_queue_feeds_a_function_that_waits_for_it_and_outlives_no_visibility_timeout(template):
    """Chalice's event source ARN is built from the queue's name: the queue and the role policy that lets the function
    receive must exist before the mapping (DependsOn), and a message must stay invisible while its handler runs."""
    consumers = sqs_consumers(template)
    settings = get_settings()
    assert set(consumers) == {settings.queue_name(spec.purpose) for spec in (*video.QUEUES, search.QUEUE)}
    role_policies = [name for name, policy in template.find_resources("AWS::IAM::Policy").items()
                     if ref("DefaultRole") in policy["Properties"]["Roles"]]
    for name, (logical_id, function) in consumers.items():
        queue_id, resource = queue(template, name)
        depends = set(function.get("DependsOn", []))
        assert queue_id in depends and set(role_policies) <= depends, (logical_id, depends)
        assert resource["Properties"]["VisibilityTimeout"] >= function["Properties"]["Timeout"], logical_id
        receive = granted(template, "DefaultRole", arn(queue_id))
        assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"} <= receive


def rule(template: Template, name: str) -> dict[str, Any]:
    (found,) = template.find_resources("AWS::Events::Rule", {
        "Properties": {"Name": f"{get_settings().table_prefix}-{name}"}}).values()
    return found["Properties"]


def test_uploads_rule_routes_object_created_under_uploads_to_its_queue(template):
    uploads, _ = bucket(template, "Uploads")
    props = rule(template, "video-uploaded")
    assert props["EventPattern"] == {
        "source": ["aws.s3"], "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [ref(uploads)]}, "object": {"key": [{"prefix": "uploads/"}]}}}
    queue_id, _ = queue(template, get_settings().queue_name("video-uploads"))
    assert [target["Arn"] for target in props["Targets"]] == [arn(queue_id)]
    assert_events_may_send_to(template, queue_id)


def test_mediaconvert_rule_routes_our_job_state_changes_to_its_queue(template):
    props = rule(template, "mediaconvert-jobs")
    pattern = props["EventPattern"]
    assert pattern["source"] == ["aws.mediaconvert"] and pattern["detail-type"] == ["MediaConvert Job State Change"]
    assert {"COMPLETE", "ERROR", "STATUS_UPDATE"} <= set(pattern["detail"]["status"])
    assert pattern["detail"]["userMetadata"] == {"task_token": [{"exists": True}], "video_id": [{"exists": True}],
                                                 "stage": [get_settings().table_prefix]}
    queue_id, _ = queue(template, get_settings().queue_name("mediaconvert-events"))
    assert [target["Arn"] for target in props["Targets"]] == [arn(queue_id)]
    assert_events_may_send_to(template, queue_id)


def assert_events_may_send_to(template: Template, queue_id: str) -> None:
    (policy,) = [policy for policy in template.find_resources("AWS::SQS::QueuePolicy").values()
                 if ref(queue_id) in policy["Properties"]["Queues"]]
    allows = [statement for statement in policy["Properties"]["PolicyDocument"]["Statement"]
              if statement["Effect"] == "Allow"]
    assert any(statement["Principal"] == {"Service": "events.amazonaws.com"}
               and "sqs:SendMessage" in as_list(statement["Action"]) and "aws:SourceArn" in str(statement["Condition"])
               for statement in allows)


def test_state_machine_is_the_asl_file_with_this_stacks_resources(template):
    (machine_id, machine), = template.find_resources("AWS::StepFunctions::StateMachine").items()
    props = machine["Properties"]
    assert props["StateMachineName"] == get_settings().video_state_machine_name
    tasks_queue, _ = queue(template, get_settings().queue_name("video-tasks"))
    media, _ = bucket(template, "Media")
    # Put a marker where each reference is and compare with the ASL rendered with those markers.
    markers = {json.dumps(ref(table_id(template))): "<table>", json.dumps(ref(tasks_queue)): "<queue-url>",
               json.dumps(ref(media)): "<media>"}
    separator, parts = props["DefinitionString"]["Fn::Join"]
    text = separator.join(part if isinstance(part, str) else markers[json.dumps(part)] for part in parts)
    expected = state_machine.render(video.state_machine_values(
        assets_table="<table>", tasks_queue_url="<queue-url>", media_bucket="<media>"))
    assert json.loads(text) == json.loads(expected)
    assert not state_machine.placeholders_in(text)
    role_id = props["RoleArn"]["Fn::GetAtt"][0]
    assert granted(template, role_id, arn(tasks_queue)) >= {"sqs:SendMessage"}
    assert granted(template, role_id, arn(table_id(template))) == {"dynamodb:UpdateItem"}
    anywhere = [action for statement in statements(template, role_id) if "*" in as_list(statement["Resource"])
                for action in as_list(statement["Action"])]
    assert anywhere and all(action.startswith("xray:") for action in anywhere)  # only tracing has no resource
    assert machine_id


def test_mediaconvert_role_reads_uploads_and_writes_media(template):
    role_id, role = one(template, "AWS::IAM::Role", "VideoMediaConvertRole")
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "mediaconvert.amazonaws.com"}
    uploads, _ = bucket(template, "Uploads")
    media, _ = bucket(template, "Media")
    assert "s3:GetObject*" in granted(template, role_id, objects(uploads))
    written = granted(template, role_id, objects(media))
    assert "s3:PutObject" in written and not any(action.startswith("s3:Get") for action in written)


def test_functions_get_the_video_settings_as_deploy_time_values(template):
    uploads, _ = bucket(template, "Uploads")
    media, _ = bucket(template, "Media")
    (machine_id,) = template.find_resources("AWS::StepFunctions::StateMachine")
    mediaconvert_role, _ = one(template, "AWS::IAM::Role", "VideoMediaConvertRole")
    distribution, _ = one(template, "AWS::CloudFront::Distribution", "VideoMediaCdn")
    public_key, _ = one(template, "AWS::CloudFront::PublicKey", "VideoMediaPublicKey")
    private_key, _ = one(template, "AWS::SecretsManager::Secret", "VideoMediaCdnPrivateKey")
    playback, _ = one(template, "AWS::SecretsManager::Secret", "VideoPlaybackSecret")
    expected = {
        "UPLOADS_BUCKET": ref(uploads), "MEDIA_BUCKET": ref(media), "VIDEO_STATE_MACHINE_ARN": ref(machine_id),
        "TRANSCODER": "mediaconvert", "MEDIACONVERT_ROLE_ARN": arn(mediaconvert_role),
        "MEDIA_CDN_DOMAIN": {"Fn::GetAtt": [distribution, "DomainName"]}, "MEDIA_CDN_KEY_ID": ref(public_key),
        # The secrets by ARN (a Secret's Ref), read at run time: tests/infra/test_secrets_and_tracing.py.
        "MEDIA_CDN_PRIVATE_KEY_SECRET_ID": ref(private_key), "PLAYBACK_SECRET_ID": ref(playback),
    }
    for function in template.find_resources("AWS::Serverless::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert {name: variables[name] for name in expected} == expected


def test_app_role_may_upload_read_media_drive_the_pipeline_and_submit_mediaconvert_jobs(template):
    uploads, _ = bucket(template, "Uploads")
    media, _ = bucket(template, "Media")
    (machine_id,) = template.find_resources("AWS::StepFunctions::StateMachine")
    mediaconvert_role, _ = one(template, "AWS::IAM::Role", "VideoMediaConvertRole")
    upload_actions = granted(template, "DefaultRole", objects(uploads))
    assert {"s3:PutObject", "s3:Abort*", "s3:GetObject*", "s3:DeleteObject*"} <= upload_actions
    assert "s3:List*" in granted(template, "DefaultRole", arn(uploads))  # ListMultipartUploadParts (resume)
    media_actions = granted(template, "DefaultRole", objects(media))
    assert "s3:GetObject*" in media_actions
    assert {"states:StartExecution", "states:SendTaskSuccess", "states:SendTaskFailure",
            "states:SendTaskHeartbeat"} <= granted(template, "DefaultRole", ref(machine_id))
    assert granted(template, "DefaultRole", arn(mediaconvert_role)) == {"iam:PassRole"}
    mediaconvert = {action for statement in statements(template, "DefaultRole")
                    for action in as_list(statement["Action"]) if action.startswith("mediaconvert:")}
    assert "mediaconvert:CreateJob" in mediaconvert
