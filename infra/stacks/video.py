"""Native video in AWS: buckets, queues with DLQs, EventBridge rules, the Step Functions pipeline, MediaConvert's
role, and the CloudFront distribution that is the only way to read the media bucket (signed URLs, key group).

Built from the same definitions as the local runtime (`infra/video.py`, the ASL rendered by `infra/state_machine`).
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from chalice.app import SQSEventConfig
from chalice.cdk import Chalice
from chalice.package import to_cfn_resource_name
from constructs import Construct

from chalicelib.config import Settings
from infra import state_machine, video
from infra.stacks.storage import private_bucket

# Operators pass their key pair's public half with `-c media_public_key=<PEM or path>`; without it the distribution
# trusts this placeholder, whose private half was never kept: nothing can be signed, so nothing is served.
PLACEHOLDER_PUBLIC_KEY = Path(__file__).resolve().parents[1] / "media-public-key.placeholder.pem"


def media_public_key(context_value: str | None) -> str:
    """The PEM public key CloudFront verifies signed URLs with: the context value (PEM text or a file path)."""
    if not context_value:
        return PLACEHOLDER_PUBLIC_KEY.read_text()
    if context_value.lstrip().startswith("-----BEGIN"):
        return context_value
    return Path(context_value).read_text()


class Video(Construct):
    """Everything native video needs besides its two tables; `environment()` and `grant_app()` connect the app."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, origin: str,
                 assets_table: dynamodb.Table, public_key_pem: str) -> None:
        super().__init__(scope, construct_id)
        self.uploads_bucket = private_bucket(self, "Uploads", video.UPLOADS, origin)
        self.media_bucket = private_bucket(self, "Media", video.MEDIA, origin)
        self.queues = {spec.purpose: self._queue(spec, settings.queue_name(spec.purpose)) for spec in video.QUEUES}
        self._queues_by_name = {settings.queue_name(purpose): queue for purpose, queue in self.queues.items()}
        for rule in video.rules(self.uploads_bucket.bucket_name, settings.table_prefix):
            events.Rule(self, f"Rule-{rule.name}", rule_name=f"{settings.table_prefix}-{rule.name}",
                        description=rule.description, event_pattern=_pattern(rule.pattern),
                        targets=[targets.SqsQueue(self.queues[rule.target])])
        self.pipeline = self._state_machine(settings, assets_table)
        self.mediaconvert_role = iam.Role(
            self, "MediaConvertRole", assumed_by=iam.ServicePrincipal("mediaconvert.amazonaws.com"),
            description="MediaConvert jobs read the uploaded original and write the HLS outputs")
        self.uploads_bucket.grant_read(self.mediaconvert_role)
        self.media_bucket.grant_put(self.mediaconvert_role)
        self.public_key = cloudfront.PublicKey(
            self, "MediaPublicKey", encoded_key=public_key_pem,
            comment="Verifies the signed media URLs the API issues (MEDIA_CDN_KEY_ID)")
        self.cdn = self._distribution(origin)
        # The app refuses prod without both. Operators put the PEM private key of `media_public_key` here.
        self.cdn_private_key = secretsmanager.Secret(
            self, "MediaCdnPrivateKey", description="PEM private key of the media_public_key (set before go-live)",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True))
        self.playback_secret = secretsmanager.Secret(
            self, "PlaybackSecret", description="Signs playback tokens",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=64))

    def _queue(self, spec: video.QueueSpec, name: str) -> sqs.Queue:
        """Named exactly `name`: Chalice's `on_sqs_message(queue=name)` builds the event source ARN from it."""
        dlq = sqs.Queue(self, f"{spec.purpose}-dlq", queue_name=name + video.DLQ_SUFFIX,
                        retention_period=cdk.Duration.seconds(spec.dlq_retention_seconds),
                        encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)
        return sqs.Queue(self, spec.purpose, queue_name=name,
                         visibility_timeout=cdk.Duration.seconds(spec.visibility_timeout_seconds),
                         retention_period=cdk.Duration.seconds(spec.retention_seconds),
                         encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                         dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=spec.max_receive_count))

    def _state_machine(self, settings: Settings, assets_table: dynamodb.Table) -> sfn.StateMachine:
        """The ASL file with this stack's table, queue and bucket in its placeholders; its role may only send the
        worker tasks and update the video assets (the two integrations the ASL uses)."""
        tasks = self.queues["video-tasks"]
        definition = state_machine.render(video.state_machine_values(
            assets_table=assets_table.table_name, tasks_queue_url=tasks.queue_url,
            media_bucket=self.media_bucket.bucket_name))
        machine = sfn.StateMachine(self, "Pipeline", state_machine_name=settings.video_state_machine_name,
                                   definition_body=sfn.DefinitionBody.from_string(definition), tracing_enabled=True)
        tasks.grant_send_messages(machine)
        assets_table.grant(machine, "dynamodb:UpdateItem")
        return machine

    def _distribution(self, origin: str) -> cloudfront.Distribution:
        """The media bucket's only reader: CloudFront through an origin access control, serving only URLs signed by
        a key of the key group (trusted key groups on the behaviour), over HTTPS, CORS for the SPA origin."""
        key_group = cloudfront.KeyGroup(self, "MediaKeyGroup", items=[self.public_key])
        cors = cloudfront.ResponseHeadersPolicy(
            self, "MediaCors", comment="Players on the SPA origin read segments cross-origin",
            cors_behavior=cloudfront.ResponseHeadersCorsBehavior(
                access_control_allow_credentials=False, access_control_allow_origins=[origin],
                access_control_allow_methods=[*video.MEDIA.cors_methods, "OPTIONS"],
                access_control_allow_headers=list(video.MEDIA.cors_headers),
                access_control_expose_headers=list(video.MEDIA.cors_expose), origin_override=True))
        return cloudfront.Distribution(
            self, "MediaCdn", comment="Signed HLS media",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.media_bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,  # the signature is checked, not cached on
                trusted_key_groups=[key_group],
                response_headers_policy=cors),
            price_class=cloudfront.PriceClass.PRICE_CLASS_100)

    def environment(self) -> dict[str, str]:
        """What the functions need to know, all deploy-time values (references, not literals)."""
        return {
            "UPLOADS_BUCKET": self.uploads_bucket.bucket_name,
            "MEDIA_BUCKET": self.media_bucket.bucket_name,
            "VIDEO_STATE_MACHINE_ARN": self.pipeline.state_machine_arn,
            "TRANSCODER": "mediaconvert",
            "MEDIACONVERT_ROLE_ARN": self.mediaconvert_role.role_arn,
            "MEDIA_CDN_DOMAIN": self.cdn.distribution_domain_name,
            "MEDIA_CDN_KEY_ID": self.public_key.public_key_id,
            "MEDIA_CDN_PRIVATE_KEY_SECRET_ID": self.cdn_private_key.secret_arn,  # read at run time, like every secret
            "PLAYBACK_SECRET_ID": self.playback_secret.secret_arn,
        }

    def grant_app(self, role: iam.IRole) -> None:
        """The app's role: multipart uploads (create, part URLs, list, complete, abort, head, delete a rejected
        object), media reads (presigned fallback, the record step), the pipeline (start, answer task tokens), the
        worker queues (Lambda polls with the function's role), MediaConvert jobs with its role."""
        self.uploads_bucket.grant_read_write(role)
        self.media_bucket.grant_read(role)
        self.pipeline.grant_start_execution(role)
        self.pipeline.grant_task_response(role)
        for queue in self.queues.values():
            queue.grant_consume_messages(role)
        self.queues["blasts"].grant_send_messages(role)  # the API queues a blast; each step queues the next
        stack = cdk.Stack.of(self)
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["mediaconvert:CreateJob", "mediaconvert:GetJob"],
            resources=[stack.format_arn(service="mediaconvert", resource="*")]))
        # DescribeEndpoints (only without MEDIACONVERT_ENDPOINT) has no resource type: IAM needs "*" for it.
        role.add_to_principal_policy(iam.PolicyStatement(actions=["mediaconvert:DescribeEndpoints"], resources=["*"]))
        self.mediaconvert_role.grant_pass_role(role)

    def wire_consumers(self, api: Chalice, role_policy: cdk.CfnResource | None,
                       other_queues: dict[str, sqs.IQueue] | None = None) -> None:
        """Chalice points each SQS event source at an ARN built from the queue's name, which CloudFormation cannot
        see: the consuming function waits for its queue, and for the role policy that lets it receive (AWS checks
        that when it creates the event source mapping)."""
        for name, queue_name in sqs_consumers():
            queue = {**self._queues_by_name, **(other_queues or {})}.get(queue_name)  # others: search's FIFO queue
            if queue is None:
                raise ValueError(f"{name} listens on {queue_name}, which the stack does not define")
            function = api.sam_template.get_resource(to_cfn_resource_name(name))
            function.add_resource_dependency(queue.node.default_child)
            if role_policy is not None:
                function.add_resource_dependency(role_policy)


def sqs_consumers() -> list[tuple[str, str]]:
    """(handler name, queue name) of every `@app.on_sqs_message` of the app `chalice package` packaged."""
    from app import app

    return [(source.name, source.queue) for source in app.event_sources if isinstance(source, SQSEventConfig)]


def _pattern(pattern: dict) -> events.EventPattern:
    """A plain EventBridge pattern as CDK's EventPattern (its keys are snake_case; `detail-type` is `detail_type`)."""
    return events.EventPattern(source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern["detail"])
