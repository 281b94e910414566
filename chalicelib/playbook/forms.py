from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field, HttpUrl, field_validator, model_validator

from .base import Strict, check_origins


class FieldType(str, Enum):
    email = "email"
    text = "text"
    hidden = "hidden"
    phone = "phone"
    url = "url"
    country = "country"  # ISO 3166-1 alpha-2
    choice = "choice"
    multi_choice = "multi_choice"  # several checkboxes with one name
    consent = "consent"  # the checkbox agreeing to the form's consent text


class FieldDefinition(Strict):
    type: FieldType = FieldType.text
    required: bool = False
    max_length: int = Field(default=200, ge=1, le=4000)
    choices: tuple[str, ...] = ()
    label: dict[Literal["de", "en"], str] = {}
    # where a value is kept: the lead's profile, or the attribution data
    # (UTM, referrer) stored with the consent and the activity
    store: Literal["profile", "attribution"] = "profile"

    @model_validator(mode="after")
    def _choices_match_type(self) -> FieldDefinition:
        has_choices = self.type in (FieldType.choice, FieldType.multi_choice)
        if has_choices and not self.choices:
            raise ValueError(f"a {self.type.value} field needs choices")
        if not has_choices and self.choices:
            raise ValueError(f"choices are only for choice fields, not {self.type.value}")
        return self


class ConsentText(Strict):
    version: str = Field(min_length=1)
    text: str = Field(min_length=1)
    # the words of the text that link to the sender's privacy policy where a
    # form shows the text
    privacy_link: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _privacy_link_is_in_the_text(self) -> ConsentText:
        if self.privacy_link and self.privacy_link not in self.text:
            raise ValueError(f"privacy_link: {self.privacy_link!r} is not words of the text")
        return self


class FormDefinition(Strict):
    title: str = ""
    locale: Literal["de", "en"] = "en"
    timezone: str = "UTC"
    consent: ConsentText
    allowed_origins: tuple[str, ...] = ()
    success_url: HttpUrl
    confirmed_url: HttpUrl
    # where a plain HTML form post that is refused (400, 429) is sent (303);
    # without one the API answers with a small page that lists the problems
    error_url: HttpUrl | None = None
    honeypot: str = Field(default="website", min_length=1)
    # a submission posted sooner than this after the form was rendered (the
    # signed `_render_token` the page got, chalicelib/capture/render.py), or
    # without a valid token, is treated as a bot
    min_fill_seconds: float = Field(default=0, ge=0)
    fields: dict[str, FieldDefinition]

    @field_validator("allowed_origins")
    @classmethod
    def _origins_are_origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        return check_origins(origins)

    @model_validator(mode="after")
    def _has_email_and_consent(self) -> FormDefinition:
        emails = [n for n, f in self.fields.items() if f.type is FieldType.email]
        if emails != ["email"] or not self.fields["email"].required:
            raise ValueError("fields: a form needs exactly one field 'email' of type email, required")
        consents = [n for n, f in self.fields.items() if f.type is FieldType.consent]
        if len(consents) != 1 or not self.fields[consents[0]].required:
            raise ValueError("fields: a form needs exactly one required field of type consent")
        if self.honeypot in self.fields:
            raise ValueError(f"honeypot: {self.honeypot!r} must not also be a real field")
        return self

    @property
    def consent_field(self) -> str:
        return next(n for n, f in self.fields.items() if f.type is FieldType.consent)
