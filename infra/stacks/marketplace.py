"""One stage of the marketplace: the Chalice app, the tables of every model, the files bucket, the Cognito user
pool and native video (`infra/stacks/video.py`)."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from chalicelib.config import get_settings
from chalicelib.models import ALL_MODELS
from infra import buckets, chalice_stage, gateway
from infra.monitoring import Monitoring
from infra.packaging import attach_media_tools, chalice_app, functions
from infra.stacks.storage import private_bucket
from infra.stacks.video import Video, media_public_key
from infra.tables import add_table


class MarketplaceStack(cdk.Stack):
    """The stack id is the stage: the Chalice construct takes its stage name from it, so the stage's section of
    `.chalice/config.json` applies as it does for `chalice deploy`. The CloudFormation name says what it is."""

    def __init__(self, scope: Construct, stage: str, **kwargs: Any) -> None:
        super().__init__(scope, stage, stack_name=f"creator-marketplace-{stage}", **kwargs)
        self.tables: dict[str, dynamodb.Table] = {model.__name__: add_table(self, model) for model in ALL_MODELS}
        self.user_pool, self.app_client = self._user_pool()
        origin = buckets.stage_cors_origin(stage)
        # Deliverable files: browser PUT uploads to presigned URLs and downloads (see `infra/buckets.py`).
        self.files_bucket = private_bucket(self, "Files", buckets.FILES, origin)
        self.video = Video(self, "Video", settings=get_settings(), origin=origin,
                           assets_table=self.tables["VideoAsset"],
                           public_key_pem=media_public_key(self.node.try_get_context("media_public_key")))
        # The app refuses to start in prod with the default cursor-signing secret.
        cursor_secret = secretsmanager.Secret(
            self, "CursorSecret", description="Signs pagination cursors",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=64))
        # Stripe credentials: the app refuses prod without them. Operators put the real API key and webhook signing
        # secret into this secret before taking payments; until then Stripe calls fail and no webhook verifies.
        stripe_secret = secretsmanager.Secret(
            self, "StripeSecret", description="Stripe api_key and webhook_secret (set both before go-live)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"api_key": "sk_live_set_me"}), generate_string_key="webhook_secret",
                exclude_punctuation=True))

        # TABLE_PREFIX is the prefix the tables above were named with, so the functions cannot look elsewhere.
        self.api = chalice_app(self, {"STAGE": stage, "TABLE_PREFIX": get_settings().table_prefix})
        # the probe worker reads uploads with PyAV
        media_tools = attach_media_tools(self, self.api, chalice_stage.PROBE_FUNCTION)
        # Values only known at deploy time go in as overrides (stage_config is written to a file before synthesis).
        deploy_time = {
            "COGNITO_USER_POOL_ID": self.user_pool.user_pool_id,
            "COGNITO_APP_CLIENT_IDS": self.app_client.user_pool_client_id,
            # Secrets by ARN: the functions read them at run time (chalicelib/config.py), never from here.
            "CURSOR_SECRET_ID": cursor_secret.secret_arn,
            "STRIPE_SECRET_ID": stripe_secret.secret_arn,
            "FILES_BUCKET": self.files_bucket.bucket_name,  # CloudFormation names it: bucket names are global
            **self.video.environment(),
        }
        for function in functions(self.api):
            for name, value in deploy_time.items():
                function.add_override(f"Properties.Environment.Variables.{name}", value)

        role = self.api.get_role("DefaultRole")
        # The functions that read secrets run under roles of their own: the same grants, plus exactly their secrets
        # (the others share Chalice's DefaultRole, which may read none).
        secret_roles = self._secret_roles({
            "APIHandler": (cursor_secret, stripe_secret, self.video.playback_secret, self.video.cdn_private_key),
            "AbandonStaleOrders": (stripe_secret,),  # it cancels stale PaymentIntents at Stripe
        })
        for grantee in (role, *secret_roles):
            for table in self.tables.values():
                table.grant_read_write_data(grantee)
            # Presigned PUT/GET URLs carry the role's permissions; HeadObject/DeleteObject verify and reject uploads.
            # (grant_read_write includes s3:DeleteObject*.)
            self.files_bucket.grant_read_write(grantee)
            self.video.grant_app(grantee)
            # The AI course tools call Bedrock's Converse API with the tier's model (settings.bedrock_models).
            grantee.add_to_principal_policy(iam.PolicyStatement(
                actions=["bedrock:InvokeModel"],
                resources=[f"arn:aws:bedrock:{self.region}::foundation-model/{model}"
                           for model in sorted({model for _, model in get_settings().bedrock_models})]))
            # Tracing is active on every function (.chalice/config.json `xray`): it sends its segments to X-Ray.
            grantee.add_to_principal_policy(iam.PolicyStatement(
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]))
        self.api.sam_template.get_resource("RestAPI").add_property_override("TracingEnabled", True)  # the API stage
        policy = role.node.try_find_child("Policy")  # where CDK put the grants of the imported role
        self.video.wire_consumers(self.api, policy.node.default_child if policy else None)

        # API Gateway's own answers, throttling and WAF (infra/gateway.py); alarms and the dashboard, built last
        # because they cover every queue and state machine of the stack (infra/monitoring.py).
        gateway.protect(self, self.api, stage, origin)
        Monitoring(self, "Monitoring", functions=functions(self.api), api_name=gateway.api_name(stage),
                   api_stage=chalice_stage.api_gateway_stage(stage),
                   alarm_email=self.node.try_get_context("alarm_email"))
        # The `chalice deploy` path takes the same values from the stack's outputs (infra/chalice_stage.py).
        chalice_stage.add_outputs(self, deploy_time, functions(self.api), role.role_arn, media_tools.layer_version_arn)

        cdk.CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        cdk.CfnOutput(self, "AppClientId", value=self.app_client.user_pool_client_id)

    def _secret_roles(self, secrets: dict[str, tuple[secretsmanager.ISecret, ...]]) -> list[iam.Role]:
        """For each function (by logical id in the packaged template) a role in place of Chalice's DefaultRole that
        may read exactly its `secrets` (GetSecretValue, DescribeSecret)."""
        roles = []
        for logical_id, readable in secrets.items():
            role = iam.Role(self, f"{logical_id}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                                "service-role/AWSLambdaBasicExecutionRole")])
            for secret in readable:
                secret.grant_read(role)
            self.api.sam_template.get_resource(logical_id).role = role.role_arn
            roles.append(role)
        return roles

    def _user_pool(self) -> tuple[cognito.UserPool, cognito.UserPoolClient]:
        """Buyers and creators sign in with email; the SPA is a public client (SRP, no secret)."""
        pool = cognito.UserPool(
            self, "Users",
            self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        client = pool.add_client(
            "Spa", generate_secret=False, auth_flows=cognito.AuthFlow(user_srp=True), disable_o_auth=True,
            prevent_user_existence_errors=True)
        return pool, client
