"""An S3 bucket in CDK from its plain-data spec (`infra/buckets.py`): the one shape every bucket of the stack has."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import buckets


def private_bucket(scope: Construct, construct_id: str, spec: buckets.BucketSpec, origin: str) -> s3.Bucket:
    """Private (every public-access block on, ACLs disabled), SSE-S3, TLS only, retained on stack deletion, CORS
    for the SPA `origin` as the spec says, multipart uploads abandoned for a day aborted, versioned when the spec
    keeps old versions (they expire after its days; delete markers left alone are cleaned up). CloudFormation names it
    (bucket names are global); the functions get the name through their environment."""
    return s3.Bucket(
        scope, construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        cors=[s3.CorsRule(allowed_origins=rule["AllowedOrigins"],
                          allowed_methods=[getattr(s3.HttpMethods, method) for method in rule["AllowedMethods"]],
                          allowed_headers=rule["AllowedHeaders"], exposed_headers=rule["ExposeHeaders"],
                          max_age=rule["MaxAgeSeconds"]) for rule in spec.cors_rules(origin)],
        versioned=spec.noncurrent_version_days is not None or None,
        lifecycle_rules=[s3.LifecycleRule(
            id="abort-incomplete-multipart-uploads",
            abort_incomplete_multipart_upload_after=cdk.Duration.days(buckets.ABORT_INCOMPLETE_UPLOADS_DAYS)),
            *_noncurrent_versions(spec)],
        event_bridge_enabled=spec.event_bridge or None,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )


def _noncurrent_versions(spec: buckets.BucketSpec) -> list[s3.LifecycleRule]:
    """Old versions of a versioned bucket expire (each costs storage), and so do delete markers they leave behind."""
    if spec.noncurrent_version_days is None:
        return []
    return [s3.LifecycleRule(id="expire-noncurrent-versions",
                             noncurrent_version_expiration=cdk.Duration.days(spec.noncurrent_version_days),
                             expired_object_delete_marker=True)]
