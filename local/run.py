"""`make run`: the whole product on 127.0.0.1 — moto, the API under `chalice local`, the event pump, demo data.

State: moto keeps everything in memory, so every start creates the tables and seeds the demo data
afresh and nothing written in a session survives a restart. Only the local identity provider's key
pair persists, in the state dir (`.local/`), so tokens minted earlier (`make token`) keep working
until they expire.

Ports: `--api-port`/`API_PORT` (default 8000), `--moto-port`/`MOTO_PORT` (default 4566) and
`--stripe-port`/`STRIPE_PORT` (localstripe, default 8420). A default
port that is taken falls back to a free one, an explicitly requested port that is taken is an error,
and 0 means any free port. The URLs in use are printed and written to `<state-dir>/runtime.json`
once everything is ready (tests wait for that file); it is removed on exit.

Payments: localstripe (a Stripe-compatible server, `local/stripe_server.py`) runs on 127.0.0.1; the API gets
STRIPE_API_BASE, and localstripe's webhook points at the API's /v1/webhooks/stripe with the webhook secret, so a
confirmed PaymentIntent is fulfilled like on Stripe.

Secrets: as on AWS, the app reads them from Secrets Manager by name (`*_SECRET_ID`, see chalicelib/config.py), here
the emulator's: localstripe's key and webhook secret, and cursor and playback signing keys drawn afresh at each start.

Output: JSON lines only (the app's request and handler lines, EMF metric lines, the runner's own records; see
`local/logs.py`), and the banner. Library chatter stays quiet; over-long emulator lines are cut, their full text is
in `<state-dir>/debug.log`.

Video: the uploads and media buckets, the video queues with their DLQs, the EventBridge rules and the state
machine exist in moto (`local/resources.py`); moto executes the state machine, the pump serves the queues and
FFmpeg transcodes. Once the API is up, a generated demo video is uploaded through the API for the demo course's
free preview lesson; the runner reports when the pipeline made it ready (a few seconds after the banner).

Browser origin: `--spa-origin`/`SPA_ORIGIN` replaces the stage's CORS_ALLOW_ORIGIN (the API and the buckets
answer CORS for that origin only), e.g. for a page served on another port that plays the HLS.

Ctrl-C or SIGTERM stops what was started, in reverse order: pump, API process, localstripe, emulator.

Emulator health: the emulator (moto) is a thread of this process, so its memory is this process's. Every
`--rss-every` seconds (default 300) one JSON line on stderr gives the RSS, level WARNING above `--rss-warn-mb`
(default 2048). A watchdog checks that the emulator's server thread runs and that it answers; if it is gone, an
ERROR JSON line says so and the runner stops everything and exits 3 (instead of an API answering 500). If this
process is killed outright (the kernel's OOM killer), the API process notices its parent is gone and exits too
(`local/api.py`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local import ROOT, STATE_DIR, api, logs
from local.identity import LocalIdp

if TYPE_CHECKING:
    from local.pump import Pump
    from local.seed import Seeded
    from local.stripe_server import LocalStripe

HOST = "127.0.0.1"
STAGE = "dev"
REGION = "us-east-1"
DEFAULT_API_PORT = 8000
DEFAULT_MOTO_PORT = 4566
DEFAULT_STRIPE_PORT = 8420
DEFAULT_RSS_EVERY = 300.0
DEFAULT_RSS_WARN_MB = 2048.0
EMULATOR_GONE = 3  # the exit code when the emulator died under a running runtime
# Variables from a developer's shell that could point the app at real AWS or another identity provider.
# The secrets the app reads from the emulator's Secrets Manager: variable → name under the stage's prefix.
SECRETS = {"CURSOR_SECRET_ID": "cursor", "PLAYBACK_SECRET_ID": "playback", "STRIPE_SECRET_ID": "stripe"}
DROPPED_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                     "COGNITO_USER_POOL_ID", "COGNITO_APP_CLIENT_IDS", "AUTH_JWKS_URL")

log = logging.getLogger("local.run")
emulator_log = logging.getLogger("local.emulator")


class StartupError(RuntimeError):
    """Something the runner needs is unavailable; the message says what."""


# --- configuration -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.run", description=__doc__.splitlines()[0])
    parser.add_argument("--api-port", type=int, default=_env_port("API_PORT"),
                        help=f"API port (env API_PORT; default {DEFAULT_API_PORT}, 0 = any free port)")
    parser.add_argument("--moto-port", type=int, default=_env_port("MOTO_PORT"),
                        help=f"emulator port (env MOTO_PORT; default {DEFAULT_MOTO_PORT}, 0 = any free port)")
    parser.add_argument("--stripe-port", type=int, default=_env_port("STRIPE_PORT"),
                        help=f"localstripe port (env STRIPE_PORT; default {DEFAULT_STRIPE_PORT}, 0 = any free port)")
    parser.add_argument("--state-dir", type=Path, default=STATE_DIR, help="IdP key pair and runtime.json")
    parser.add_argument("--schedule-every", type=float, metavar="SECONDS",
                        help="fire every @app.schedule handler this often instead of on its own schedule")
    parser.add_argument("--spa-origin", default=os.environ.get("SPA_ORIGIN") or None, metavar="ORIGIN",
                        help="the browser origin the API and buckets answer CORS for (env SPA_ORIGIN; default: "
                             "the stage's CORS_ALLOW_ORIGIN)")
    parser.add_argument("--rss-every", type=float, default=DEFAULT_RSS_EVERY, metavar="SECONDS",
                        help=f"log the emulator's RSS this often, as a JSON line (default {DEFAULT_RSS_EVERY:.0f}; "
                             "0 = never)")
    parser.add_argument("--rss-warn-mb", type=float, default=DEFAULT_RSS_WARN_MB, metavar="MB",
                        help=f"the RSS line is a WARNING above this (default {DEFAULT_RSS_WARN_MB:.0f})")
    return parser.parse_args(argv)


def _env_port(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is free
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _http(url: str, body: dict[str, Any] | None = None, timeout: float = 5.0) -> int:
    """GET (or POST a JSON body) to one of our own servers on 127.0.0.1; the status code."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http://127.0.0.1 only
        return response.status


def choose_port(requested: int | None, default: int, what: str) -> int:
    if requested is None:
        return default if _port_is_free(default) else _free_port()
    if requested == 0:
        return _free_port()
    if not _port_is_free(requested):
        raise StartupError(f"{what} port {requested} on {HOST} is in use (pass 0 for any free port)")
    return requested


def stage_environment(stage: str) -> dict[str, str]:
    """What `chalice local` applies from .chalice/config.json; the in-process pump and seeding need the same."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}


def configure_environment(moto_port: int, idp_env: dict[str, str], spa_origin: str | None = None,
                          state_dir: Path = STATE_DIR) -> None:
    """Point this process and its children at the emulator and the local IdP (before any chalicelib import)."""
    for name in DROPPED_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update({
        "AWS_ENDPOINT_URL": f"http://{HOST}:{moto_port}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "MOTO_PORT": str(moto_port),  # the Step Functions interpreter calls back to localhost:$MOTO_PORT
        **stage_environment(STAGE),  # STAGE, TABLE_PREFIX, CORS_ALLOW_ORIGIN, Powertools settings
        **idp_env,  # AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_FILE
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
        # The embedded search engine's file, shared by the API and the pump; rebuilt from the stream at each start.
        "SEARCH_ENGINE": "local",
        "SEARCH_INDEX_PATH": str(reset_search_index(state_dir / "search.db")),
        "MAIL_EML_DIR": str(state_dir / "mail"),  # every email sent, also as an .eml file (path logged)
    })
    prefix = os.environ["TABLE_PREFIX"]
    os.environ.update({variable: f"{prefix}/{name}" for variable, name in SECRETS.items()})
    overrides = {"CORS_ALLOW_ORIGIN": spa_origin} if spa_origin else {}
    os.environ.update(overrides)
    os.environ[api.OVERRIDES] = json.dumps(overrides)  # the API process applies them over the stage's variables


def reset_search_index(path: Path) -> Path:
    """An empty search index (the emulator starts empty too; the pipe replays the stream into it)."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    return path


# --- the parts -----------------------------------------------------------------------------------


def start_moto(port: int, stack: ExitStack) -> tuple[str, Any]:
    """The emulator's URL and its ThreadedMotoServer (a thread of this process)."""
    from moto.server import ThreadedMotoServer

    from local import moto_fixes

    moto_fixes.apply()  # where moto departs from AWS in ways the product depends on (see local/moto_fixes.py)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per AWS call
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    stack.callback(stop_moto, server)
    url = f"http://{HOST}:{port}"
    _http(f"{url}/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
    return url, server


def stop_moto(server: Any, timeout: float = 5.0) -> None:
    """`server.stop()`, given up after `timeout`: a wedged emulator must not keep the runner from exiting."""
    stopper = threading.Thread(target=server.stop, name="moto-stop", daemon=True)
    stopper.start()
    stopper.join(timeout)
    if stopper.is_alive():
        log.warning("the emulator did not stop within %.0f s; leaving it", timeout)


# --- emulator health -----------------------------------------------------------------------------


def rss_mb(pid: int | str = "self") -> float:
    """A process's resident set size in MB, from /proc/<pid>/status (Linux); 0.0 where that is unavailable."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class EmulatorWatch:
    """The emulator's health, polled from the runner's main loop (`poll()`; the clock is injectable for tests).

    - RSS: every `rss_every` seconds (and at the first poll) one JSON line with this process's RSS (the emulator is
      one of its threads), level WARNING above `rss_warn_mb`.
    - Liveness: the emulator is gone when its server thread has ended (at once), or when it has not answered
      `probe` (a cheap request, every `probe_every` s) `failures_allowed` times in a row: a busy emulator answers
      late now and then, a dead one never does.
    """

    def __init__(self, server: Any, probe: Callable[[], object], *, rss_every: float = DEFAULT_RSS_EVERY,
                 rss_warn_mb: float = DEFAULT_RSS_WARN_MB, probe_every: float = 5.0, failures_allowed: int = 3,
                 rss: Callable[[], float] = rss_mb, clock: Callable[[], float] = time.monotonic) -> None:
        self.server, self.probe, self.rss, self.clock = server, probe, rss, clock
        self.rss_every, self.rss_warn_mb = rss_every, rss_warn_mb
        self.probe_every, self.failures_allowed = probe_every, failures_allowed
        self.failures = 0
        self._next_rss = self._next_probe = clock()

    def poll(self) -> str | None:
        """Log the RSS if it is time; why the emulator is gone, or None while it is alive."""
        now = self.clock()
        if self.rss_every > 0 and now >= self._next_rss:
            self._next_rss = now + self.rss_every
            self.log_rss()
        thread = getattr(self.server, "_thread", None)
        if thread is None or not thread.is_alive():
            return "its server thread has ended"
        if now < self._next_probe:
            return None
        self._next_probe = now + self.probe_every
        try:
            self.probe()
        except Exception as exc:  # refused, timed out, 5xx: one more failure in a row
            self.failures += 1
            if self.failures >= self.failures_allowed:
                return f"it did not answer {self.failures} checks in a row ({type(exc).__name__}: {exc})"
        else:
            self.failures = 0
        return None

    def log_rss(self) -> float:
        value = self.rss()
        over = value > self.rss_warn_mb
        fields = {"event": "emulator_rss", "rss_mb": round(value, 1), "warn_mb": self.rss_warn_mb, "pid": os.getpid()}
        message = (f"emulator RSS {value:.0f} MB is above {self.rss_warn_mb:.0f} MB (restart `make run` before the "
                   "kernel kills it)" if over else f"emulator RSS {value:.0f} MB")
        emulator_log.log(logging.WARNING if over else logging.INFO, message, extra={"fields": fields})
        return value


def watch_emulator(server: Any, moto_url: str, args: argparse.Namespace) -> EmulatorWatch:
    return EmulatorWatch(server, lambda: _http(f"{moto_url}/moto-api/config", timeout=10),
                         rss_every=args.rss_every, rss_warn_mb=args.rss_warn_mb)


def start_stripe(port: int, stack: ExitStack) -> LocalStripe:
    """localstripe on 127.0.0.1; this process and the API (started after) get its URL (its key and webhook secret go
    to the emulator's Secrets Manager: `local_secrets`)."""
    from local import stripe_server

    try:
        server = stripe_server.start(port)
    except RuntimeError as exc:
        raise StartupError(str(exc)) from None
    stack.callback(server.stop)
    os.environ["STRIPE_API_BASE"] = server.url
    return server


def local_secrets(stripe: LocalStripe) -> dict[str, str]:
    """The value of each secret the app reads, by its name in the emulator (what `*_SECRET_ID` says)."""
    from secrets import token_urlsafe

    env = stripe.env()
    values = {"CURSOR_SECRET_ID": token_urlsafe(32), "PLAYBACK_SECRET_ID": token_urlsafe(32),
              "STRIPE_SECRET_ID": json.dumps({"api_key": env["STRIPE_API_KEY"],
                                              "webhook_secret": env["STRIPE_WEBHOOK_SECRET"]})}
    return {os.environ[variable]: value for variable, value in values.items()}


def start_api(port: int, stack: ExitStack) -> subprocess.Popen:
    """`chalice local` (through `local.api`, which keeps the runner's overrides of the stage's variables)."""
    command = [sys.executable, "-m", "local.api", "local", "--no-autoreload", "--host", HOST, "--port", str(port),
               "--stage", STAGE]
    # Same process group as the runner: killing the group (as the e2e tests do) takes the API with it. If the runner
    # is killed alone (SIGKILL, the OOM killer), the API sees its parent gone and exits (api.watch_parent).
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, api.RUNNER_PID: str(os.getpid())})
    stack.callback(stop_process, process)
    return process


def stop_process(process: subprocess.Popen, timeout: float = 5.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


def wait_for_health(api_url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartupError(f"chalice local exited with code {process.returncode}")
        try:
            if _http(f"{api_url}/v1/health", timeout=2) == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise StartupError(f"the API did not answer {api_url}/v1/health within {timeout:.0f} s")


def start_pump(stack: ExitStack, schedule_every: float | None) -> Pump:
    from app import app
    from local.pipes import StreamPipe
    from local.pump import Pump

    pump = Pump(app, stage=STAGE, region=REGION, schedule_every=schedule_every, pipes=(StreamPipe.for_stage(REGION),))
    pump.start()
    stack.callback(pump.stop)
    return pump


def upload_demo_video(api_url: str, idp: LocalIdp, seeded: Seeded, state_dir: Path, stack: ExitStack) -> str | None:
    """Upload the demo video through the API (the pump is running, so the pipeline picks it up) and report, from a
    background thread, when it is ready: start-up does not wait for the transcode."""
    from local.seed import upload_demo_video as upload
    from local.seed import video_status

    creator = seeded.creator
    token = idp.mint(creator.user_id, email=creator.email, name=creator.name)
    video_id = upload(api_url, token, seeded, state_dir)
    if video_id is None:
        return None
    stopped = threading.Event()
    stack.callback(stopped.set)

    def report(timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while not stopped.wait(1.0):
            try:
                video = video_status(api_url, token, video_id)
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                log.warning("demo video %s: status unknown (%s)", video_id, exc)
                return
            if video["status"] == "ready":
                log.info("demo video %s is ready (%d s, %dx%d)", video_id, video["duration_seconds"], video["width"],
                         video["height"])
                return
            if video["status"] == "failed" or time.monotonic() > deadline:
                log.warning("demo video %s is %s: %s", video_id, video["status"], video.get("processing_error"))
                return

    threading.Thread(target=report, name="demo-video", daemon=True).start()
    return video_id


def write_runtime_file(state_dir: Path, stack: ExitStack, **facts: Any) -> None:
    path = state_dir / "runtime.json"
    path.write_text(json.dumps({**facts, "pid": os.getpid()}))
    stack.callback(path.unlink, missing_ok=True)


# --- orchestration -------------------------------------------------------------------------------


def start(args: argparse.Namespace, stack: ExitStack) -> tuple[subprocess.Popen, EmulatorWatch]:
    """Start everything, registering each part's stop on `stack`; the running API process and the emulator's watch."""
    state_dir = args.state_dir.resolve()
    idp = LocalIdp.load_or_create(state_dir)
    moto_port = choose_port(args.moto_port, DEFAULT_MOTO_PORT, "emulator")
    configure_environment(moto_port, idp.env(idp.write_jwks(state_dir / "jwks.json")), args.spa_origin, state_dir)
    moto_url, moto_server = start_moto(moto_port, stack)
    try:
        stripe = start_stripe(choose_port(args.stripe_port, DEFAULT_STRIPE_PORT, "localstripe"), stack)
    except StartupError:
        if args.stripe_port is not None:
            raise
        stripe = start_stripe(_free_port(), stack)  # the default port was taken meanwhile (another runner)
    api_port = choose_port(args.api_port, DEFAULT_API_PORT, "API")  # after moto and localstripe hold theirs
    api_url = f"http://{HOST}:{api_port}"
    stripe.register_webhook("local-api", f"{api_url}/v1/webhooks/stripe")
    api = start_api(api_port, stack)  # it boots while the tables and demo data are created

    # chalicelib reads its settings when imported: only now is the environment in place.
    from local.resources import create_all
    from local.seed import seed

    created = create_all(local_secrets(stripe))
    seeded = seed()
    log.info("created %s; seeded %d product(s)", {kind: len(names) for kind, names in created.items()},
             seeded.created)
    wait_for_health(api_url, api)
    pump = start_pump(stack, args.schedule_every)
    video_id = upload_demo_video(api_url, idp, seeded, state_dir, stack)
    demo = {"course_id": seeded.product_ids["course"], "video_lesson_id": seeded.video_lesson_id,
            "video_id": video_id}
    write_runtime_file(state_dir, stack, api_url=api_url, moto_url=moto_url, stripe_url=stripe.url, stage=STAGE,
                       spa_origin=os.environ["CORS_ALLOW_ORIGIN"], demo=demo)
    print(banner(api_url, moto_url, state_dir, seeded, idp, pump, stripe, video_id), flush=True)
    return api, watch_emulator(moto_server, moto_url, args)


def banner(api_url: str, moto_url: str, state_dir: Path, seeded: Seeded, idp: LocalIdp, pump: Pump,
           stripe: LocalStripe, video_id: str | None) -> str:
    creator, buyer = seeded.creator, seeded.buyer
    creator_token = idp.mint(creator.user_id, email=creator.email, name=creator.name)
    buyer_token = idp.mint(buyer.user_id, email=buyer.email, name=buyer.name)
    key, stripe_url = stripe.api_key, stripe.url
    return "\n".join([
        "",
        f"Creator Marketplace is running (stage {STAGE}). Ctrl-C stops everything.",
        f"  API         {api_url}/v1   (OpenAPI: {api_url}/v1/openapi.json)",
        f"  AWS (moto)  {moto_url}   (AWS_ENDPOINT_URL for the aws CLI and boto3; in memory)",
        f"  State dir   {state_dir}   (IdP key pair only)",
        f"  Event pump  {len(pump.queues)} queue(s), {len(pump.schedules)} schedule(s), "
        f"{len(pump.pipes)} stream pipe(s)",
        f"  Stripe      {stripe_url}   (localstripe; key {key}; webhook → /v1/webhooks/stripe)",
        f"  Mail        {state_dir / 'mail'}/*.eml   (every email sent; each path logged as `email written`)",
        "",
        f"Demo users (tokens valid 12 h; more with `make token USER={buyer.user_id}`):",
        f"  {creator.user_id}: creator of {', '.join(sorted(seeded.product_ids))}",
        f"  {buyer.user_id}: owns the {seeded.buyer_owns}, was gifted the ebook (and reviewed both)",
        f"export CREATOR_TOKEN={creator_token}",
        f"export BUYER_TOKEN={buyer_token}",
        "",
        "Try:",
        f"  curl -s '{api_url}/v1/products?sort=price_asc'",
        f"  curl -s -H \"Authorization: Bearer $BUYER_TOKEN\" '{api_url}/v1/products?product_type=course'",
        f"  curl -s -H \"Authorization: Bearer $CREATOR_TOKEN\" {api_url}/v1/creator/products",
        f"  curl -s -H \"Authorization: Bearer $CREATOR_TOKEN\" {api_url}/v1/creator/inbox   # buyers' messages",
        f"  curl -s '{api_url}/v1/search?q=prompts+for+marketers+under+%2450'   # search: intent words, typos, facets",
        "",
        "Buy with a test card (the webhook grants access; then it is in /v1/library):",
        f"  PI=$(curl -s -X POST -H \"Authorization: Bearer $BUYER_TOKEN\" -H 'Content-Type: application/json' "
        f"-d '{{}}' {api_url}/v1/products/120-prompts-for-product-marketers/checkout "
        "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"client_secret\"].split(\"_secret_\")[0])')",
        f"  curl -s -u {key}: {stripe_url}/v1/payment_intents/$PI -d payment_method=pm_card_visa",
        f"  curl -s -u {key}: -X POST {stripe_url}/v1/payment_intents/$PI/confirm",
        f"  curl -s -H \"Authorization: Bearer $BUYER_TOKEN\" {api_url}/v1/library",
        "",
        *video_lines(api_url, seeded, video_id),
    ])


def video_lines(api_url: str, seeded: Seeded, video_id: str | None) -> list[str]:
    """How to watch the demo video: its status, then the free preview lesson's playback (anyone may play it)."""
    if video_id is None:
        return ["Video: no demo video (FFmpeg is missing: `make run` installs it).", ""]
    playback = f"{api_url}/v1/products/{seeded.product_ids['course']}/lessons/{seeded.video_lesson_id}/playback"
    return [
        f"Video (demo {video_id} is transcoding now; the pipeline attaches it to a free preview lesson):",
        f"  curl -s -H \"Authorization: Bearer $CREATOR_TOKEN\" {api_url}/v1/videos/{video_id}",
        f"  curl -s {playback}",
        f"  HLS=$(curl -s {playback} | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"hls_url\"])')",
        "  curl -s \"$HLS\"   # the master playlist; each rendition's segments are signed URLs",
        "",
    ]


def _interrupt(signum: int, frame: Any) -> None:
    """SIGINT and SIGTERM both mean "stop"; further signals are ignored so the cleanup runs to the end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def configure_logging(state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    logs.configure(state_dir / "debug.log")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(args.state_dir.resolve())
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with ExitStack() as stack:
            api, emulator = start(args, stack)
            while api.poll() is None:
                gone = emulator.poll()
                if gone is not None:
                    emulator_log.error("the emulator is gone (%s): every API call that needs AWS would fail; "
                                       "stopping everything (restart `make run`)", gone,
                                       extra={"fields": {"event": "emulator_gone", "exit_code": EMULATOR_GONE}})
                    return EMULATOR_GONE
                time.sleep(0.5)
            log.error("chalice local exited with code %s; stopping", api.returncode)
            return 1
    except KeyboardInterrupt:
        log.info("stopped")
        return 0
    except StartupError as exc:
        log.error("%s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
