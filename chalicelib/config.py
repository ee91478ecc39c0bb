"""Settings from the environment, in one object.

Every knob the app reads lives here so a newcomer can see the whole surface at once. Values come from
`.chalice/config.json` (per stage) on AWS and from the local runtime's environment on a laptop.

Secrets (the Stripe key and webhook secret, the cursor and playback signing keys, the CDN private key) are not in
the environment on AWS: it names them (`*_SECRET_ID`, a Secrets Manager name or ARN) and `Settings.secret` reads
them at run time (Powertools Parameters, cached for `SECRET_MAX_AGE_SECONDS`), so reading a function's
configuration reveals no secret and each function is granted only the secrets it reads. The local runtime does
the same against the emulator; tests and scripts may pass values directly (`CURSOR_SECRET=...`), prod may not.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal


class ConfigError(RuntimeError):
    """The environment describes an unsafe or incomplete deployment."""


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


SECRET_MAX_AGE_SECONDS = 300  # a rotated secret is in use everywhere within five minutes
SecretName = Literal["cursor_secret", "stripe_api_key", "stripe_webhook_secret", "stripe_connect_webhook_secret",
                     "playback_secret", "weaviate_api_key", "media_cdn_private_key"]
# Each secret: the field naming its Secrets Manager secret, and its key when that secret is a JSON object.
SECRETS: dict[str, tuple[str, str]] = {
    "cursor_secret": ("cursor_secret_id", ""),
    "stripe_api_key": ("stripe_secret_id", "api_key"),
    "stripe_webhook_secret": ("stripe_secret_id", "webhook_secret"),
    # optional: the signing secret of Stripe's Connect endpoint (events of connected accounts), when there is one
    "stripe_connect_webhook_secret": ("stripe_secret_id", "connect_webhook_secret"),
    "playback_secret": ("playback_secret_id", ""),
    "media_cdn_private_key": ("media_cdn_key_secret_id", ""),
    "weaviate_api_key": ("weaviate_secret_id", ""),  # optional: a Weaviate without API keys needs none
}
SECRET_IDS = {"cursor_secret_id": "CURSOR_SECRET_ID", "stripe_secret_id": "STRIPE_SECRET_ID",
              "playback_secret_id": "PLAYBACK_SECRET_ID", "media_cdn_key_secret_id": "MEDIA_CDN_PRIVATE_KEY_SECRET_ID"}

CreditPack = tuple[str, int, int, str]  # (pack id, tokens, price in minor units, ISO currency)
FeeTier = tuple[str, int, int]  # (tier, percent in basis points, fixed amount in minor units of the order's currency)
PAYOUTS_MODES = ("connect", "platform_collects")


def _credit_packs(value: str) -> tuple[CreditPack, ...]:
    """`AI_CREDIT_PACKS="small:500000:500:USD,large:2000000:1500:USD"`: id (a-z, 0-9, '-'), tokens, price, currency."""
    packs = []
    for entry in _csv(value):
        try:
            pack_id, tokens, price, currency = (part.strip() for part in entry.split(":"))
            pack = (pack_id, int(tokens), int(price), currency.upper())
        except ValueError:
            raise ConfigError(f"AI_CREDIT_PACKS entry {entry!r} is not id:tokens:price_cents:currency") from None
        if not re.fullmatch(r"[a-z0-9-]{1,32}", pack_id):
            raise ConfigError(f"AI_CREDIT_PACKS: pack id {pack_id!r} must be 1-32 of a-z, 0-9 and '-'")
        if pack[1] <= 0 or pack[2] <= 0 or not re.fullmatch(r"[A-Z]{3}", pack[3]):
            raise ConfigError(f"AI_CREDIT_PACKS entry {entry!r}: tokens and price must be positive, currency ISO")
        packs.append(pack)
    if len({pack[0] for pack in packs}) != len(packs):
        raise ConfigError("AI_CREDIT_PACKS: pack ids must be unique")
    return tuple(packs)


def _platform_fees(value: str) -> tuple[FeeTier, ...]:
    """`PLATFORM_FEES="starter:500:0,pro:300:0"`: tier, basis points (0-10000), fixed minor units (>= 0)."""
    tiers = []
    for entry in _csv(value):
        try:
            tier, bps, fixed = (part.strip() for part in entry.split(":"))
            fee = (tier, int(bps), int(fixed))
        except ValueError:
            raise ConfigError(f"PLATFORM_FEES entry {entry!r} is not tier:bps:fixed_cents") from None
        if not re.fullmatch(r"[a-z0-9-]{1,32}", tier) or not 0 <= fee[1] <= 10_000 or fee[2] < 0:
            raise ConfigError(f"PLATFORM_FEES entry {entry!r}: tier a-z/0-9/'-', bps 0-10000, fixed >= 0")
        tiers.append(fee)
    if "starter" not in {tier[0] for tier in tiers} or len({tier[0] for tier in tiers}) != len(tiers):
        raise ConfigError("PLATFORM_FEES: tiers must be unique and include 'starter' (the default)")
    return tuple(tiers)


def _price(value: str) -> Decimal:
    """A non-negative decimal price (`AI_REFERENCE_PRICE_CENTS_PER_1000_TOKENS="0.75"`)."""
    try:
        price = Decimal(value.strip())
    except InvalidOperation:
        raise ConfigError(f"AI_REFERENCE_PRICE_CENTS_PER_1000_TOKENS {value!r} is not a decimal number") from None
    if not price.is_finite() or price < 0:
        raise ConfigError("AI_REFERENCE_PRICE_CENTS_PER_1000_TOKENS must be a finite number, 0 or more")
    return price


@dataclass(frozen=True)
class Settings:
    stage: str = "dev"
    region: str = "us-east-1"
    table_prefix: str = "cm-dev"
    # Auth: RS256 JWTs from Cognito (prod) or the local identity provider (dev).
    auth_issuer: str = ""
    auth_audiences: tuple[str, ...] = ()
    auth_jwks_url: str = ""
    auth_jwks_file: str = ""
    # HTTP conventions.
    cors_allow_origin: str = "http://localhost:5173"
    max_body_bytes: int = 256 * 1024
    page_limit_default: int = 20
    page_limit_max: int = 50
    cursor_secret: str = field(default="dev-cursor-secret", repr=False)
    # Commerce: Stripe (or a Stripe-compatible server such as localstripe via STRIPE_API_BASE), SES, S3.
    stripe_api_key: str = field(default="", repr=False)
    stripe_api_base: str = ""
    stripe_webhook_secret: str = field(default="", repr=False)
    stripe_connect_webhook_secret: str = field(default="", repr=False)
    # Creators' payouts (services/payouts): "connect" (Stripe Connect destination charges, production) or
    # "platform_collects" (ordinary charges, the platform holds the creator's share: local runtime and tests, since
    # localstripe has no Connect). The platform's fee per creator tier: basis points of what the buyer pays + a fixed
    # amount in minor units of the order's currency (currency-agnostic: 30 is $0.30 or ¥30).
    payouts_mode: str = "platform_collects"
    platform_fees: tuple[FeeTier, ...] = (("starter", 500, 0), ("pro", 300, 0), ("unlimited", 200, 0))
    payouts_return_url: str = ""  # where Stripe sends a creator back after onboarding (default: the SPA's page)
    payouts_refresh_url: str = ""  # where an expired onboarding link sends them (default: the SPA's page)
    mail_from: str = "no-reply@creator-marketplace.example"
    mail_eml_dir: str = ""  # locally: every email sent is also written there as an .eml file (never on AWS)
    public_app_url: str = "http://localhost:5173"
    files_bucket: str = ""
    max_file_bytes: int = 2 * 1024 * 1024 * 1024
    # AI course tools: "bedrock" (Amazon Bedrock Converse) or "offline" (extractive, for the local runtime
    # and tests); default offline outside prod. One Bedrock model id per allowance tier.
    ai_provider: str = "offline"
    bedrock_region: str = ""
    bedrock_models: tuple[tuple[str, str], ...] = (
        ("starter", "anthropic.claude-3-haiku-20240307-v1:0"),
        ("pro", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("unlimited", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
    )
    ai_max_input_chars: int = 60_000  # more content than this answers 413 before anything is reserved
    ai_rate_limit_per_minute: int = 10  # per creator, over every AI endpoint
    # AI credit packs sold through Stripe (services/credit_packs.py): the price charged comes only from here.
    ai_credit_packs: tuple[CreditPack, ...] = (("small", 500_000, 500, "USD"), ("large", 2_000_000, 1500, "USD"))
    # "Cost saved" in the AI usage breakdown: what the creator would have paid to buy the tokens they used, at this
    # price in minor units of `ai_reference_currency` per 1,000 tokens (a decimal: "0.75" is $7.50 a million). The
    # default is the small credit pack's price (500 cents for 500,000 tokens).
    ai_reference_price_cents_per_1000_tokens: Decimal = Decimal("1")
    ai_reference_currency: str = "USD"
    # Native video: uploads land in `uploads_bucket`; the pipeline writes HLS to `media_bucket`, served only through
    # short-lived signed URLs (CloudFront signing when `media_cdn_domain` is set, presigned S3 GETs otherwise).
    uploads_bucket: str = ""
    media_bucket: str = ""
    video_state_machine_arn: str = ""
    transcoder: str = "ffmpeg"  # ffmpeg (local runtime, tests) | mediaconvert (AWS)
    mediaconvert_role_arn: str = ""
    mediaconvert_endpoint: str = ""
    media_cdn_domain: str = ""
    media_cdn_key_id: str = ""
    media_cdn_private_key: str = field(default="", repr=False)
    playback_secret: str = field(default="dev-playback-secret", repr=False)
    video_max_bytes: int = 5 * 1024 * 1024 * 1024
    video_min_seconds: int = 1
    video_max_seconds: int = 4 * 60 * 60
    # Where the secrets above live in Secrets Manager (names or ARNs; see the module docstring).
    cursor_secret_id: str = ""
    stripe_secret_id: str = ""  # a JSON object: {"api_key": ..., "webhook_secret": ...}
    playback_secret_id: str = ""
    media_cdn_key_secret_id: str = ""
    # Search (services/search): "weaviate" on AWS; "local" is the embedded engine (SQLite FTS5) in the file
    # `search_index_path` (":memory:": this process only). Vectors come from `search_embedding_model` on Bedrock.
    search_engine: str = "local"
    search_index_path: str = ":memory:"
    weaviate_url: str = ""
    weaviate_api_key: str = field(default="", repr=False)
    weaviate_secret_id: str = ""
    search_embedding_model: str = "amazon.titan-embed-text-v2:0"

    def secret(self, name: SecretName) -> str:
        """A secret's value: from Secrets Manager when its id is set (cached), else the value given directly."""
        id_field, key = SECRETS[name]
        secret_id = getattr(self, id_field)
        if not secret_id:
            return str(getattr(self, name))
        from aws_lambda_powertools.utilities import parameters

        value = parameters.get_secret(secret_id, max_age=SECRET_MAX_AGE_SECONDS, transform="json" if key else None)
        if name == "stripe_connect_webhook_secret":
            return str(value.get(key, ""))  # optional key of the Stripe secret
        return str(value[key] if key else value)

    def platform_fee(self, tier: str) -> tuple[int, int]:
        """The fee of a creator tier (their account's `ai_allowance_tier`; unknown tiers pay the starter fee): basis
        points, fixed minor units."""
        fees = {name: (bps, fixed) for name, bps, fixed in self.platform_fees}
        return fees.get(tier, fees["starter"])

    def payouts_url(self, which: Literal["return", "refresh"]) -> str:
        """Stripe's onboarding return/refresh URL: configured, else the SPA's payouts page."""
        configured = self.payouts_return_url if which == "return" else self.payouts_refresh_url
        return configured or f"{self.public_app_url.rstrip('/')}/creator/payouts?onboarding={which}"

    def queue_name(self, purpose: str) -> str:
        """The stage's SQS queue for `purpose` (video-uploads | video-tasks | mediaconvert-events); DLQs add `-dlq`."""
        return f"{self.table_prefix}-{purpose}"

    @property
    def video_state_machine_name(self) -> str:
        return f"{self.table_prefix}-video-pipeline"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        stage = env.get("STAGE", "dev")
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        issuer = env.get("AUTH_ISSUER", "")
        jwks_url = env.get("AUTH_JWKS_URL", "")
        audiences = _csv(env.get("AUTH_AUDIENCE", ""))
        prefix = env.get("TABLE_PREFIX", f"cm-{stage}")
        pool_id = env.get("COGNITO_USER_POOL_ID", "")
        if pool_id:
            # Cognito publishes its issuer and JWKS at fixed, derivable addresses.
            pool_region = pool_id.split("_", 1)[0]
            issuer = issuer or f"https://cognito-idp.{pool_region}.amazonaws.com/{pool_id}"
            jwks_url = jwks_url or f"{issuer}/.well-known/jwks.json"
            audiences = audiences or _csv(env.get("COGNITO_APP_CLIENT_IDS", ""))
        settings = cls(
            stage=stage,
            region=region,
            table_prefix=prefix,
            auth_issuer=issuer,
            auth_audiences=audiences,
            auth_jwks_url=jwks_url,
            auth_jwks_file=env.get("AUTH_JWKS_FILE", ""),
            cors_allow_origin=env.get("CORS_ALLOW_ORIGIN", cls.cors_allow_origin),
            max_body_bytes=int(env.get("MAX_BODY_BYTES", cls.max_body_bytes)),
            page_limit_max=int(env.get("PAGE_LIMIT_MAX", cls.page_limit_max)),
            cursor_secret=env.get("CURSOR_SECRET", cls.cursor_secret),
            stripe_api_key=env.get("STRIPE_API_KEY", ""),
            stripe_api_base=env.get("STRIPE_API_BASE", ""),
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET", ""),
            stripe_connect_webhook_secret=env.get("STRIPE_CONNECT_WEBHOOK_SECRET", ""),
            payouts_mode=env.get("PAYOUTS_MODE", "connect" if stage == "prod" else cls.payouts_mode),
            platform_fees=_platform_fees(env["PLATFORM_FEES"]) if "PLATFORM_FEES" in env else cls.platform_fees,
            payouts_return_url=env.get("PAYOUTS_RETURN_URL", ""),
            payouts_refresh_url=env.get("PAYOUTS_REFRESH_URL", ""),
            mail_from=env.get("MAIL_FROM", cls.mail_from),
            mail_eml_dir=env.get("MAIL_EML_DIR", ""),
            public_app_url=env.get("PUBLIC_APP_URL", cls.public_app_url),
            files_bucket=env.get("FILES_BUCKET", f"{prefix}-files"),
            max_file_bytes=int(env.get("MAX_FILE_BYTES", cls.max_file_bytes)),
            ai_provider=env.get("AI_PROVIDER", "bedrock" if stage == "prod" else "offline"),
            bedrock_region=env.get("BEDROCK_REGION", region),
            bedrock_models=tuple((tier, env.get(f"BEDROCK_MODEL_{tier.upper()}", model))
                                 for tier, model in cls.bedrock_models),
            ai_max_input_chars=int(env.get("AI_MAX_INPUT_CHARS", cls.ai_max_input_chars)),
            ai_rate_limit_per_minute=int(env.get("AI_RATE_LIMIT_PER_MINUTE", cls.ai_rate_limit_per_minute)),
            ai_credit_packs=_credit_packs(env["AI_CREDIT_PACKS"]) if "AI_CREDIT_PACKS" in env else cls.ai_credit_packs,
            ai_reference_price_cents_per_1000_tokens=_price(env.get("AI_REFERENCE_PRICE_CENTS_PER_1000_TOKENS",
                                                                    str(cls.ai_reference_price_cents_per_1000_tokens))),
            ai_reference_currency=env.get("AI_REFERENCE_CURRENCY", cls.ai_reference_currency).upper(),
            uploads_bucket=env.get("UPLOADS_BUCKET", f"{prefix}-video-uploads"),
            media_bucket=env.get("MEDIA_BUCKET", f"{prefix}-media"),
            video_state_machine_arn=env.get(
                "VIDEO_STATE_MACHINE_ARN",
                f"arn:aws:states:{region}:123456789012:stateMachine:{prefix}-video-pipeline"),  # moto's account
            transcoder=env.get("TRANSCODER", cls.transcoder),
            mediaconvert_role_arn=env.get("MEDIACONVERT_ROLE_ARN", ""),
            mediaconvert_endpoint=env.get("MEDIACONVERT_ENDPOINT", ""),
            media_cdn_domain=env.get("MEDIA_CDN_DOMAIN", ""),
            media_cdn_key_id=env.get("MEDIA_CDN_KEY_ID", ""),
            media_cdn_private_key=env.get("MEDIA_CDN_PRIVATE_KEY", ""),
            playback_secret=env.get("PLAYBACK_SECRET", cls.playback_secret),
            video_max_bytes=int(env.get("VIDEO_MAX_BYTES", cls.video_max_bytes)),
            video_min_seconds=int(env.get("VIDEO_MIN_SECONDS", cls.video_min_seconds)),
            video_max_seconds=int(env.get("VIDEO_MAX_SECONDS", cls.video_max_seconds)),
            **{field_name: env.get(variable, "") for field_name, variable in SECRET_IDS.items()},
            search_engine=env.get("SEARCH_ENGINE", "weaviate" if stage == "prod" else "local"),
            search_index_path=env.get("SEARCH_INDEX_PATH", cls.search_index_path),
            weaviate_url=env.get("WEAVIATE_URL", ""),
            weaviate_secret_id=env.get("WEAVIATE_SECRET_ID", ""),
            search_embedding_model=env.get("SEARCH_EMBEDDING_MODEL", cls.search_embedding_model),
        )
        settings.check()
        return settings

    def bedrock_model(self, tier: str) -> str:
        """The Bedrock model id for an allowance tier (unknown tiers get the starter model)."""
        models = dict(self.bedrock_models)
        return models.get(tier, models["starter"])

    def check(self) -> None:
        """Refuse configurations that would be unsafe in production."""
        if self.ai_provider not in ("offline", "bedrock"):
            raise ConfigError("AI_PROVIDER must be 'offline' or 'bedrock'")
        if self.search_engine not in ("local", "weaviate"):
            raise ConfigError("SEARCH_ENGINE must be 'local' or 'weaviate'")
        if not re.fullmatch(r"[A-Z]{3}", self.ai_reference_currency):
            raise ConfigError("AI_REFERENCE_CURRENCY must be an ISO currency code")
        if self.payouts_mode not in PAYOUTS_MODES:
            raise ConfigError("PAYOUTS_MODE must be 'connect' or 'platform_collects'")
        if self.stage != "prod":
            return
        if self.cors_allow_origin.strip() in ("*", ""):
            raise ConfigError("CORS_ALLOW_ORIGIN must name the SPA origin in prod, never '*'")
        if not (self.auth_issuer and self.auth_jwks_url and self.auth_audiences):
            raise ConfigError("prod needs COGNITO_USER_POOL_ID and COGNITO_APP_CLIENT_IDS (or AUTH_*)")
        missing = [variable for field_name, variable in SECRET_IDS.items() if not getattr(self, field_name)]
        if missing:
            raise ConfigError(f"prod reads its secrets from Secrets Manager: set {', '.join(missing)}")
        if any(getattr(self, name) != getattr(Settings, name) for name in SECRETS):
            raise ConfigError("prod keeps secrets out of the environment: CURSOR_SECRET, STRIPE_API_KEY, "
                              "STRIPE_WEBHOOK_SECRET, PLAYBACK_SECRET and MEDIA_CDN_PRIVATE_KEY must not be set")
        if self.transcoder != "mediaconvert" or not self.mediaconvert_role_arn:
            raise ConfigError("prod transcodes with MediaConvert: TRANSCODER=mediaconvert and MEDIACONVERT_ROLE_ARN")
        if not (self.media_cdn_domain and self.media_cdn_key_id):
            raise ConfigError("prod serves video through CloudFront: MEDIA_CDN_DOMAIN and MEDIA_CDN_KEY_ID")
        if self.stripe_api_base:
            raise ConfigError("prod talks to Stripe itself: STRIPE_API_BASE is for localstripe only")
        if self.ai_provider != "bedrock":
            raise ConfigError("prod uses Bedrock: the offline AI provider is for the local runtime and tests")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once, like any Lambda module-level client)."""
    return Settings.from_env()
