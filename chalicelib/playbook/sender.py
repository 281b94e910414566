"""The playbook's `sender` section: who sends the marketing mail. German law
(Impressum) and CAN-SPAM want the company and a postal address in every
marketing mail; the footer shows them with a link to the privacy policy,
which forms also link from their consent text."""

from __future__ import annotations

from pydantic import Field, HttpUrl

from .base import Strict


class Sender(Strict):
    company: str = Field(min_length=1, max_length=200)
    # one line, as the footer shows it: "Musterstraße 1, 10115 Berlin, Germany"
    postal_address: str = Field(min_length=1, max_length=300, pattern=r"^[^\r\n]+$")
    privacy_url: HttpUrl
