"""Builds the app's services once per cold start, each on first use (so a
route that never mails never creates an SES client). The local stack and the
tests replace parts (the clock, the mailer) through `configure`."""

from __future__ import annotations

import os
from functools import cached_property

from .clock import SystemClock


class Services:
    def __init__(self, env=None, **overrides):
        self._env = os.environ if env is None else env
        for name, value in overrides.items():
            setattr(self, name, value)

    @cached_property
    def settings(self):
        from .settings import Settings

        return Settings.from_env(self._env)

    @cached_property
    def playbook(self):
        from .playbook import load_playbook

        return load_playbook(env=self._env)

    @cached_property
    def secrets(self):
        from .secret_store import fetch_secret_json
        from .secrets import Secrets

        return Secrets.load(self._env, lambda secret_id: fetch_secret_json(secret_id, self.settings.region))

    @cached_property
    def clock(self):
        return SystemClock()

    @cached_property
    def signer(self):
        from .tokens import Signer

        return Signer(self.secrets.signing_keys, self.secrets.current_kid)

    @cached_property
    def ses(self):
        import boto3

        return boto3.client("ses", region_name=self.settings.region)

    @cached_property
    def mailer(self):
        from .mail.ses import SesMailer
        from .reputation.counting import CountingMailer

        ses = SesMailer(self.ses, self.settings.mail_from, self.settings.configuration_set)
        return CountingMailer(ses, self.reputation_counters)

    @cached_property
    def leads(self):
        from .storage.leads import LeadStore

        return LeadStore(self.clock)

    @cached_property
    def capture(self):
        from .capture.service import Capture

        return Capture(self.playbook, self.leads, self.secrets.lead_key, self.signer)

    @cached_property
    def opt_in(self):
        from .consent.opt_in import OptIn
        from .storage.opt_in import OptInStore

        return OptIn(
            self.playbook,
            self.leads,
            OptInStore(self.clock),
            self.mailer,
            self.signer,
            self.clock,
            self.settings.public_url,
            self.suppression,
        )

    @cached_property
    def opt_outs(self):
        from .storage.opt_out import OptOutStore

        return OptOutStore()

    @cached_property
    def suppression(self):
        from .suppression.service import Suppression

        return Suppression(self.playbook.suppression, self.leads, self.opt_outs, self.secrets.lead_key)

    @cached_property
    def unsubscribe(self):
        from .consent.unsubscribe import Unsubscribe

        return Unsubscribe(self.leads, self.opt_outs, self.signer, self.clock, self.settings.public_url)

    @cached_property
    def scores(self):
        from .storage.scores import ScoreStore

        return ScoreStore(self.leads, self.clock)

    @cached_property
    def scorer(self):
        from .scoring.service import Scorer
        from .storage.scores import RESCORE_SHARDS

        return Scorer(self.playbook, self.scores, self.clock, RESCORE_SHARDS)

    @cached_property
    def activities(self):
        from .activities.service import ActivityLog
        from .storage.activities import ActivityStore

        return ActivityLog(self.playbook, ActivityStore(), self.leads, self.signer, self.clock)

    @cached_property
    def routing_store(self):
        from .storage.routing import RoutingStore

        return RoutingStore()

    @cached_property
    def routing_queue(self):
        import boto3

        from .queues import RoutingQueue

        return RoutingQueue(
            boto3.client("sqs", region_name=self.settings.region),
            self._env.get("LEADFLOW_ROUTING_QUEUE", "leadflow-routing.fifo"),
        )

    @cached_property
    def webhooks(self):
        from .routing.webhook import WebhookPoster

        return WebhookPoster(self.playbook.routing.webhooks)

    @cached_property
    def router(self):
        from .routing.service import Router
        from .storage.routing import SLA_SHARDS

        return Router(
            self.playbook,
            self.routing_store,
            self.mailer,
            self.webhooks,
            self.signer,
            self.clock,
            self.settings.public_url,
            self.scorer,
            SLA_SHARDS,
        )

    @cached_property
    def funnel(self):
        from .analytics.service import Funnel
        from .storage.funnel import FunnelStore

        return Funnel(FunnelStore(self.clock))

    @cached_property
    def revenue(self):
        from .analytics.revenue_service import Revenue
        from .storage.funnel import FunnelStore

        return Revenue(FunnelStore(self.clock))

    @cached_property
    def erasure(self):
        from .admin.gdpr import Erasure
        from .storage.erasure import ErasureStore

        releases = (self.router.release_for_erasure, self.predictor.release_prediction)
        return Erasure(self.leads, ErasureStore(), self.suppression, self.clock, releases=releases)

    @cached_property
    def timer(self):
        from .nurture.sender import WallTimer

        return WallTimer()

    @cached_property
    def nurture_store(self):
        from .storage.nurture import NurtureStore

        return NurtureStore(self.leads)

    @cached_property
    def nurture(self):
        from .nurture.sender import PacedMailer
        from .nurture.service import Nurture

        mailer = PacedMailer(self.mailer, self.playbook.nurture.sending.max_per_second, self.timer)
        return Nurture(
            self.playbook,
            self.nurture_store,
            mailer,
            self.unsubscribe,
            self.signer,
            self.clock,
            self.settings.public_url,
        )

    @cached_property
    def nurture_sender(self):
        from .nurture.sender import NurtureSender
        from .storage.nurture import NURTURE_SHARDS

        return NurtureSender(
            self.nurture,
            self.nurture_store,
            self.playbook.nurture.sending,
            self.clock,
            self.timer,
            NURTURE_SHARDS,
            self.sending_guard,
        )

    # --- sending reputation ---------------------------------------------
    @cached_property
    def reputation_store(self):
        from .storage.reputation import ReputationStore

        return ReputationStore()

    @cached_property
    def sending_guard(self):
        from .reputation.guard import SendingGuard

        return SendingGuard(self.playbook.reputation, self.reputation_store, self.clock)

    @cached_property
    def deliverability(self):
        import boto3

        from .mail.ses_account import SesAccount
        from .reputation.report import Deliverability

        account = SesAccount(boto3.client("sesv2", region_name=self.settings.region))
        return Deliverability(self.playbook.reputation, self.reputation_store, self.clock, account)

    @cached_property
    def guard_announcements(self):
        from .reputation.announce import Announcements

        return Announcements(self.playbook.routing.sla, self.reputation_store, self.mailer, self.clock)

    @cached_property
    def reputation_counters(self):
        from .reputation.counting import ReputationCounters

        return ReputationCounters(self.reputation_store, self.sending_guard, self.clock, self.secrets.lead_key)

    @cached_property
    def webhook_queue(self):
        import boto3

        from .queues import WebhookQueue

        return WebhookQueue(
            boto3.client("sqs", region_name=self.settings.region),
            self._env.get("LEADFLOW_WEBHOOK_QUEUE", "leadflow-webhooks"),
        )

    @cached_property
    def outbound(self):
        from .integrations.outbound import Outbound
        from .playbook.routing import Webhooks
        from .routing.webhook import WebhookPoster
        from .storage.webhooks import WebhookStore

        integrations = self.playbook.integrations
        # one POST per queue message: the queue does the retrying
        once = Webhooks(attempts=1, timeout_seconds=integrations.delivery.timeout_seconds, backoff_seconds=0)
        return Outbound(integrations, WebhookStore(), self.webhook_queue, WebhookPoster(once), self.clock, self.leads)

    # --- bulk import ---------------------------------------------------------
    @cached_property
    def import_store(self):
        import boto3

        from .storage.imports import ImportStore

        return ImportStore(boto3.client("dynamodb", region_name=self.settings.region))

    @cached_property
    def importer(self):
        import boto3
        from botocore.config import Config

        from .imports.service import Importer
        from .queues import ImportQueue
        from .storage.import_files import ImportFiles

        # the local stack's S3 (an endpoint URL) answers path-style only
        style = "path" if self._env.get("AWS_ENDPOINT_URL") else "virtual"
        s3 = boto3.client("s3", region_name=self.settings.region, config=Config(s3={"addressing_style": style}))
        files = ImportFiles(s3, self._env.get("LEADFLOW_IMPORT_BUCKET", "leadflow-imports"))
        queue = ImportQueue(
            boto3.client("sqs", region_name=self.settings.region),
            self._env.get("LEADFLOW_IMPORT_QUEUE", "leadflow-imports"),
        )
        return Importer(self.playbook, self.import_store, files, queue, self.clock, self.secrets.lead_key)

    @cached_property
    def predictor(self):
        from .prediction.service import Predictor
        from .storage.prediction import PredictionStore, lead_ids_in_stage

        return Predictor(self.playbook, PredictionStore(), self.clock, lead_ids_in_stage)

    @cached_property
    def stream_reactions(self):
        from .stream.reactions import reactions

        return reactions(self)


_services: Services | None = None


def services() -> Services:
    global _services
    if _services is None:
        _services = Services()
    return _services


def configure(services_: Services | None) -> None:
    """Replace (or with None, forget) the services: tests, local stack."""
    global _services
    _services = services_
