"""One stage of the marketplace: the Chalice app, the tables of every model, the files bucket, the Cognito user
pool and native video (`infra/stacks/video.py`).

`-c functions=chalice` builds the stage for the `chalice deploy` path: every resource the app uses (tables,
buckets, queues and their rules, the state machine, secrets, Cognito, the CDN, the functions' roles, the PyAV
layer, the alarms) and the outputs `infra/chalice_stage.py` reads, but not the app's functions and API, which
`chalice deploy` then creates; `chalice package` does not run. The default, `cdk`, deploys them here too.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from chalice.cdk import Chalice
from constructs import Construct

from chalicelib.config import get_settings
from chalicelib.models import ALL_MODELS
from infra import buckets, chalice_stage, gateway
from infra.monitoring import Monitoring
from infra.packaging import attach_media_tools, chalice_app, functions, media_tools_layer
from infra.stacks.search import Search
from infra.stacks.storage import private_bucket
from infra.stacks.video import Video, media_public_key
from infra.tables import add_table

FUNCTIONS_CONTEXT = "functions"  # who deploys the app's functions and API: `cdk` (this stack) or `chalice`


def functions_deployed_by(scope: Construct) -> str:
    """The `functions` context value, `cdk` when unset; anything else is refused (a typo must not drop the API)."""
    value = scope.node.try_get_context(FUNCTIONS_CONTEXT) or "cdk"
    if value not in ("cdk", "chalice"):
        raise ValueError(f"-c {FUNCTIONS_CONTEXT}= takes cdk or chalice, not {value!r}")
    return value


class MarketplaceStack(cdk.Stack):
    """The stack id is the stage: the Chalice construct takes its stage name from it, so the stage's section of
    `.chalice/config.json` applies as it does for `chalice deploy`. The CloudFormation name says what it is."""

    def __init__(self, scope: Construct, stage: str, **kwargs: Any) -> None:
        super().__init__(scope, stage, stack_name=f"creator-marketplace-{stage}", **kwargs)
        deployed_by = functions_deployed_by(self)
        self.tables: dict[str, dynamodb.Table] = {model.__name__: add_table(self, model) for model in ALL_MODELS}
        self.user_pool, self.app_client = self._user_pool()
        origin = buckets.stage_cors_origin(stage)
        # Deliverable files: browser PUT uploads to presigned URLs and downloads (see `infra/buckets.py`).
        self.files_bucket = private_bucket(self, "Files", buckets.FILES, origin)
        self.video = Video(self, "Video", settings=get_settings(), origin=origin,
                           assets_table=self.tables["VideoAsset"],
                           public_key_pem=media_public_key(self.node.try_get_context("media_public_key")))
        self.search = Search(self, "Search", settings=get_settings(),
                             source_tables={"products": self.tables["Product"],
                                            "product-files": self.tables["ProductFile"]},
                             weaviate_url=self.node.try_get_context("weaviate_url") or "")
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

        deploy_time = {  # the functions' environment: values only known at deploy time
            "COGNITO_USER_POOL_ID": self.user_pool.user_pool_id,
            "COGNITO_APP_CLIENT_IDS": self.app_client.user_pool_client_id,
            # Secrets by ARN: the functions read them at run time (chalicelib/config.py), never from here.
            "CURSOR_SECRET_ID": cursor_secret.secret_arn,
            "STRIPE_SECRET_ID": stripe_secret.secret_arn,
            "FILES_BUCKET": self.files_bucket.bucket_name,  # CloudFormation names it: bucket names are global
            **self.video.environment(),
            **self.search.environment(),
        }
        # The functions that read secrets run under roles of their own: the same grants, plus exactly their secrets
        # (the others share the default role, which may read none). By the logical id `chalice package` gives them.
        secret_roles = {logical_id: self._lambda_role(f"{logical_id}Role", readable) for logical_id, readable in {
            "APIHandler": (cursor_secret, stripe_secret, self.video.playback_secret, self.video.cdn_private_key,
                           self.search.api_key),
            "AbandonStaleOrders": (stripe_secret,),  # it cancels stale PaymentIntents at Stripe
            "IndexProducts": (self.search.api_key,),  # it writes to Weaviate
        }.items()}
        media_tools = media_tools_layer(self)  # the probe worker reads uploads with PyAV
        self.api: Chalice | None = None
        if deployed_by == "cdk":
            self.api = self._chalice_app(stage, deploy_time, secret_roles, media_tools)
            role = self.api.get_role("DefaultRole")
            deployed = {function.node.id: function.ref for function in functions(self.api)}
            api_name = gateway.api_name(stage)
        else:  # `chalice deploy` creates the functions and the API, under these roles, with these names
            from app import app

            role = self._lambda_role("DefaultRole", ())
            deployed = chalice_stage.deployed_functions(stage, app)
            api_name = app.app_name  # `chalice deploy` imports the API from its OpenAPI document, titled so
        for grantee in (role, *secret_roles.values()):
            self._grant_app(grantee)
        for logical_id, own in secret_roles.items() if self.api is not None else ():
            # AWS checks a queue worker's role when it creates the event source mapping (the search indexer's)
            policy = own.node.try_find_child("DefaultPolicy")
            if policy is not None:
                self.api.sam_template.get_resource(logical_id).add_dependency(policy.node.default_child)
        if self.api is not None:
            self.api.sam_template.get_resource("RestAPI").add_property_override("TracingEnabled", True)
            policy = role.node.try_find_child("Policy")  # where CDK put the grants of the imported role
            self.video.wire_consumers(self.api, policy.node.default_child if policy else None,
                                      self.search.queues_by_name)
            # API Gateway's own answers, throttling and WAF (infra/gateway.py).
            gateway.protect(self, self.api, stage, origin)
        # Alarms and the dashboard, built last: they cover every queue and state machine of the stack
        # (infra/monitoring.py), and the functions wherever they come from.
        Monitoring(self, "Monitoring", functions=deployed, api_name=api_name,
                   api_stage=chalice_stage.api_gateway_stage(stage),
                   alarm_email=self.node.try_get_context("alarm_email"))
        # The `chalice deploy` path takes the same values from the stack's outputs (infra/chalice_stage.py).
        chalice_stage.add_outputs(self, deploy_time, role.role_arn,
                                  {logical_id: own.role_arn for logical_id, own in secret_roles.items()},
                                  media_tools.layer_version_arn)

        cdk.CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        cdk.CfnOutput(self, "AppClientId", value=self.app_client.user_pool_client_id)

    def _chalice_app(self, stage: str, deploy_time: dict[str, str], roles: dict[str, iam.Role],
                     media_tools: lambda_.LayerVersion) -> Chalice:
        """The app packaged by `chalice package` (TABLE_PREFIX: the prefix the tables above were named with, so the
        functions cannot look elsewhere), with the deploy-time environment, the roles of their own and PyAV."""
        api = chalice_app(self, {"STAGE": stage, "TABLE_PREFIX": get_settings().table_prefix})
        attach_media_tools(api, media_tools, chalice_stage.PROBE_FUNCTION)
        # Values only known at deploy time go in as overrides (stage_config is written to a file before synthesis).
        for function in functions(api):
            for name, value in deploy_time.items():
                function.add_override(f"Properties.Environment.Variables.{name}", value)
        for logical_id, role in roles.items():
            api.sam_template.get_resource(logical_id).role = role.role_arn
        return api

    def _lambda_role(self, construct_id: str, readable: tuple[secretsmanager.ISecret, ...]) -> iam.Role:
        """A role for Lambda functions that may write their logs and read exactly the `readable` secrets
        (GetSecretValue, DescribeSecret); `_grant_app` adds the rest."""
        role = iam.Role(self, construct_id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                            "service-role/AWSLambdaBasicExecutionRole")])
        for secret in readable:
            secret.grant_read(role)
        return role

    def _grant_app(self, grantee: iam.IRole) -> None:
        """What every function of the app may do: the tables, the files, video, Bedrock and X-Ray."""
        for table in self.tables.values():
            table.grant_read_write_data(grantee)
        # Presigned PUT/GET URLs carry the role's permissions; HeadObject/DeleteObject verify and reject uploads.
        # (grant_read_write includes s3:DeleteObject*.)
        self.files_bucket.grant_read_write(grantee)
        self.video.grant_app(grantee)
        self.search.grant_app(grantee)
        # The AI course tools call Bedrock's Converse API with the tier's model (settings.bedrock_models); search
        # embeds documents and queries with its embedding model.
        models = {model for _, model in get_settings().bedrock_models} | {get_settings().search_embedding_model}
        grantee.add_to_principal_policy(iam.PolicyStatement(
            actions=["bedrock:InvokeModel"],
            resources=[f"arn:aws:bedrock:{self.region}::foundation-model/{model}" for model in sorted(models)]))
        # Tracing is active on every function (.chalice/config.json `xray`): it sends its segments to X-Ray.
        grantee.add_to_principal_policy(iam.PolicyStatement(
            actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]))

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
