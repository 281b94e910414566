"""Which CSV column fills which form field: the admin's `column_map` first,
then the field's own name, its labels and common aliases from other tools'
exports (Mautic, HubSpot, Brevo, Excel in German), all case-insensitive."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..playbook.forms import FieldType, FormDefinition

# the consent evidence a row may carry (consent_mode evidence)
GIVEN_AT = "consent_given_at"
SOURCE = "consent_source"
IP = "consent_ip"
TEXT_VERSION = "consent_text_version"
EVIDENCE = (GIVEN_AT, SOURCE, IP, TEXT_VERSION)

ALIASES = {
    "email": ("e mail", "email address", "e mail address", "e mail adresse", "emailadresse", "mail", "email adresse"),
    "first_name": ("first name", "firstname", "vorname", "given name"),
    "last_name": ("last name", "lastname", "nachname", "surname", "family name"),
    "company": ("company", "firma", "unternehmen", "company name", "organisation", "organization"),
    "job_title": ("job title", "jobtitle", "position", "funktion"),
    "phone": ("phone", "phone number", "telefon", "telefonnummer", "mobile", "mobil"),
    "country": ("country", "land", "country code", "ländercode"),
    "company_size": ("company size", "employees", "mitarbeiter", "unternehmensgröße", "number of employees"),
    "industry": ("industry", "branche"),
    "interests": ("interests", "interessen"),
    GIVEN_AT: ("consent given at", "opt in date", "optin date", "einwilligung am"),
    SOURCE: ("consent source", "opt in source", "einwilligungsquelle"),
    IP: ("consent ip", "opt in ip", "ip address", "ip"),
    TEXT_VERSION: ("consent text version", "consent version"),
}


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().casefold()).strip()


@dataclass(frozen=True)
class ColumnPlan:
    targets: tuple[str | None, ...]  # per CSV column: the field it fills, or None
    unknown: tuple[str, ...]  # columns that fill nothing (reported once)

    def columns(self, header: tuple[str, ...]) -> dict[str, str]:
        return {column: target for column, target in zip(header, self.targets, strict=True) if target}

    def column_of(self, header: tuple[str, ...], target: str) -> str | None:
        return next((c for c, t in zip(header, self.targets, strict=True) if t == target), None)


def importable_fields(form: FormDefinition) -> list[str]:
    """The form's fields a file can fill (consent comes from the consent mode)."""
    return [name for name, f in form.fields.items() if f.type is not FieldType.consent]


def bad_column_map(form: FormDefinition, column_map: Mapping[str, str]) -> dict[str, str]:
    """column -> why its target is not one; empty when the map is usable."""
    known = set(importable_fields(form)) | set(EVIDENCE)
    return {column: "names no importable field" for column, target in column_map.items() if target not in known}


def plan_columns(form: FormDefinition, header: tuple[str, ...], column_map: Mapping[str, str]) -> ColumnPlan:
    explicit = {_key(c): t for c, t in column_map.items()}
    names: dict[str, str] = {}
    for name in [*importable_fields(form), *EVIDENCE]:
        definition = form.fields.get(name)
        labels = definition.label.values() if definition else ()
        for alias in (name, *labels, *ALIASES.get(name, ())):
            names.setdefault(_key(alias), name)
    targets: list[str | None] = []
    taken: set[str] = set()
    for column in header:
        target = explicit.get(_key(column)) or names.get(_key(column))
        if target in taken:
            target = None  # a second column for a field fills nothing
        if target:
            taken.add(target)
        targets.append(target)
    unknown = tuple(c for c, t in zip(header, targets, strict=True) if not t and c)
    return ColumnPlan(tuple(targets), unknown)
