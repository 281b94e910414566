"""The embedded local stack in one process: moto's server on loopback as the
AWS, every resource of infra/resources.yaml created on it, the Chalice app
over HTTP with the development routes, the event pump, the SES simulator and
the demo landing page.

The environment is set before the app (and PynamoDB's models, which read it
at import) is imported, so every boto3 and PynamoDB client talks to the
embedded server and never to a real account."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from email.utils import parseaddr

import boto3
from moto.core import DEFAULT_ACCOUNT_ID

from chalicelib.clock import AdjustableClock

from .aws import EmbeddedAws, SentMail
from .seed import describe

HOST = "127.0.0.1"
# the stream mapping's on-failure destination declared in infra/resources.yaml
STREAM_FAILURE_QUEUE = "StreamFailureQueue"
# public development values: the local stack only, never a deployment
DEV_DEFAULTS = {
    "LEADFLOW_LEAD_KEY": "local-dev-lead-key",
    "LEADFLOW_SIGNING_KEYS": "local:local-dev-signing-key",
    "LEADFLOW_ADMIN_TOKEN": "leadflow-local-admin",
}


@dataclass(frozen=True)
class Options:
    port: int = 8000
    quiet: bool = False  # no request log lines
    stream_retries: int = 2

    @classmethod
    def from_env(cls, env=os.environ) -> Options:
        return cls(
            port=int(env.get("LEADFLOW_PORT") or 8000),
            quiet=env.get("LEADFLOW_LOCAL_QUIET") == "1",
            stream_retries=int(env.get("LEADFLOW_LOCAL_STREAM_RETRIES") or 2),
        )


class LocalStack:
    def __init__(self, options: Options):
        self.options = options
        self.api_url = f"http://{HOST}:{options.port}"
        self.landing_url = f"http://{HOST}:{options.port + 1}"
        self.region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-central-1"
        self.account = DEFAULT_ACCOUNT_ID
        self.clock = AdjustableClock()
        self.mailbox = self.pump = self.services = self.simulator = None
        self.team: list = []
        self._servers: list = []
        self._threads: list[threading.Thread] = []
        self.aws = EmbeddedAws(self._ses_sent, HOST, 0)

    def _ses_sent(self, sent: SentMail) -> None:
        self.mailbox.record(sent)
        self.simulator.observe(sent)

    def client(self, service: str):
        return boto3.client(service, region_name=self.region, endpoint_url=self.aws.url)

    def _environment(self) -> None:
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": self.aws.url,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                # botocore >= 1.38 would send stream calls to an account host moto does not match
                "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
                "LEADFLOW_PUBLIC_URL": self.api_url,
                "LEADFLOW_LANDING_ORIGIN": self.landing_url,
            }
        )
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.pop("AWS_PROFILE", None)
        for name, value in DEV_DEFAULTS.items():
            os.environ.setdefault(name, value)

    def start(self) -> LocalStack:
        from chalice.config import Config

        from infra.resources import create_resources

        from . import chalice_fixes, moto_fixes
        from .mailbox import Mailbox
        from .pump import EventPump
        from .ses_simulator import SesSimulator
        from .web import DevRoutes, api_server, landing_server

        moto_fixes.apply()  # transactions in O(items touched), not O(table)
        chalice_fixes.apply()  # an authorizer's "Unauthorized" is a 401, as in API Gateway
        self.aws.start()
        self._environment()
        deployment = create_resources(self.client, region=self.region, account=self.account)
        os.environ.update(deployment.environment())

        from app import app
        from chalicelib.wiring import Services, configure

        self.services = Services(clock=self.clock)
        configure(self.services)
        self.client("ses").verify_email_identity(EmailAddress=parseaddr(self.services.settings.mail_from)[1])
        from .seed import seed_team, team_file

        team = team_file(os.environ)
        self.team = seed_team(self.services, team) if team else []
        self.mailbox = Mailbox(self.account, self.region)
        failure_queue = deployment.get(STREAM_FAILURE_QUEUE)
        self.pump = EventPump(
            app,
            self.client,
            self.clock,
            deployment,
            self.region,
            self.account,
            on_failure_queue_url=failure_queue.url if failure_queue else None,
            stream_retries=self.options.stream_retries,
        )
        self.simulator = SesSimulator(
            self.mailbox,
            self.client,
            self.clock,
            self.region,
            self.account,
            os.environ.get("LEADFLOW_SES_EVENTS_TOPIC_ARN"),
        )
        self.pump.sources.append(self.simulator)
        self.deployment = deployment

        config = Config(chalice_stage="local", user_provided_params={"app_name": app.app_name})
        self._servers = [
            api_server(app, config, HOST, self.options.port, DevRoutes(self, self.options.quiet)),
            landing_server(self, HOST, self.options.port + 1),
        ]
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)
        self.pump.start()
        return self

    def stop(self) -> None:
        if self.pump:
            self.pump.stop()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self.aws.stop()

    def banner(self, seconds: float) -> str:
        lines = [
            f"Leadflow local stack ready in {seconds:.1f} s (embedded AWS at {self.aws.url})",
            f"  API           {self.api_url}",
            f"  Landing page  {self.landing_url}/",
            f"  Mailbox       {self.api_url}/_local/mailbox/",
            f"  Console       {self.api_url}/console/   (sign in with the admin token)",
            f"  Admin token   {os.environ['LEADFLOW_ADMIN_TOKEN']}   (Authorization: Bearer ...)",
            f"  Playbook      {os.environ.get('LEADFLOW_PLAYBOOK', 'chalicelib/playbook.yaml')}",
            f"  Pumped        {', '.join(s.name for s in self.pump.sources)}",
            f"  Schedules     {', '.join(self.pump.jobs) or 'none'}",
            *describe(self.team, self.services.playbook.routing),
        ]
        lines += [f"  Not pumped    {ignored}" for ignored in self.pump.ignored]
        lines.append("Ctrl-C stops everything.")
        return "\n".join(lines)


def run(options: Options) -> None:
    """Start, print where everything is, serve until SIGINT/SIGTERM."""
    import signal

    started = time.monotonic()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stack = LocalStack(options).start()
    except OSError as error:
        raise SystemExit(
            f"cannot start the local stack: {error} (ports {options.port} and {options.port + 1}"
            " must be free; set LEADFLOW_PORT to move them)"
        ) from None
    print(stack.banner(time.monotonic() - started), flush=True)
    try:
        stop.wait()
    finally:
        print("Stopping the local stack ...", flush=True)
        stack.stop()
