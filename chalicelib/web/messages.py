"""The API's error messages per locale: one catalogue, keyed by the reasons
the domain and the HTTP layer give (chalicelib/reasons.py). A form decides
the locale of its answers; where no form does, `Accept-Language` does."""

from __future__ import annotations

from collections.abc import Mapping

from ..reasons import Reason

DEFAULT_LOCALE = "en"

MESSAGES = {
    "de": {
        "unknown_field": "unbekanntes Feld",
        "required": "ist ein Pflichtfeld",
        "given_once": "darf nur einmal angegeben werden",
        "text": "muss ein Text sein",
        "single_line": "muss eine einzelne Zeile ohne Steuerzeichen sein",
        "control": "darf keine Steuerzeichen enthalten",
        "bidi": "darf keine Zeichen enthalten, die die Schreibrichtung umkehren oder isolieren",
        "unicode": "ist kein gültiges Unicode (einzelnes Surrogat)",
        "number": "muss eine endliche Zahl sein, die DynamoDB speichern kann (höchstens 38 Stellen, 1e-130 bis 1e125)",
        "max_length": "darf höchstens {limit} Zeichen lang sein",
        "choice": "muss einer dieser Werte sein: {choices}",
        "choices_among": "darf nur diese Werte enthalten: {choices}",
        "checkbox": "muss der Wert eines Kontrollkästchens sein",
        "country": "muss ein zweistelliger Ländercode nach ISO 3166-1 sein",
        "phone": "muss eine Telefonnummer sein",
        "url": "muss eine http(s)-Adresse sein",
        "email_invalid": "ist keine gültige E-Mail-Adresse",
        "email_local_ascii": "darf vor dem @ keine Umlaute, kein ß und keine anderen Sonderzeichen "
        "enthalten: an solche Adressen können wir nicht zustellen",
        "email_local_length": "darf vor dem @ höchstens 64 Zeichen haben",
        "email_length": "darf höchstens 254 Zeichen lang sein",
        "email_domain": "hat eine Domain, die keine E-Mails empfängt",
        "body_json": "ist kein gültiges JSON",
        "body_object": "muss ein JSON-Objekt sein",
        "depth": "darf nicht tiefer als 32 Ebenen verschachtelt sein",
        "duplicate": "darf keinen Schlüssel in einem Objekt wiederholen",
        "body_form_data": "sind keine gültigen UTF-8-Formulardaten",
        "body_too_large": "darf höchstens {limit} Bytes groß sein",
        "media_type": "muss application/json oder application/x-www-form-urlencoded sein",
        "unknown_form": "unbekanntes Formular",
        "rate_limited": "zu viele Anmeldungen, bitte versuchen Sie es später noch einmal",
        "busy": "gerade ausgelastet, bitte versuchen Sie es gleich noch einmal",
        # --- import rows (GET /imports/{id}/errors)
        "encoding": "ist kein Text in der Kodierung der Datei (UTF-8 oder Windows-1252)",
        "cells": "hat {count} Zellen, die Kopfzeile nur {expected}",
        "consent_given_at": "muss ein Datum oder Zeitpunkt nach ISO 8601 sein, nicht in der Zukunft",
        "ip": "muss eine IP-Adresse sein",
        # --- sales outcomes (admin API, rep link, console)
        "detail_not_applicable": "gilt nicht für das Ergebnis {outcome}",
        "deal_currency": "muss ein ISO-4217-Code wie EUR sein, zusammen mit dem Wert",
        "deal_amount": "muss ein positiver Betrag mit höchstens {places} Nachkommastellen sein",
        "deal_recurring": "muss eins von {choices} sein, zusammen mit expected_months",
        "deal_months": "muss eine ganze Zahl von Monaten von 1 bis {limit} sein",
        "deal_recurring_value": "ein wiederkehrender Abschluss braucht seinen Wert pro Zeitraum",
        "outcome_reason_required": "ist für das Ergebnis {outcome} nötig: eins von {choices}",
        # --- resuming paused sending (admin API, console)
        "resume_reason": "sagen Sie warum, in höchstens {limit} Zeichen",
        "unknown_sequence": "ist keine Sequenz des Playbooks",
        "not_paused": "ist nicht pausiert",
        # --- a rep's answer to an offer (rep link, admin API, console)
        "offer_not_current": "dieses Angebot wurde inzwischen beantwortet, neu zugewiesen oder geschlossen",
        "not_accepted": "nehmen Sie den Lead an, bevor Sie ein Ergebnis erfassen",
        "unknown_outcome": "unbekanntes Ergebnis '{outcome}'; eins von {choices}",
        "outcome_not_applicable": "das Ergebnis '{outcome}' gilt nicht für einen Lead in der Phase '{stage}'",
        # --- a manager reassigns to a chosen rep
        "unknown_rep": "keinen Vertriebsmitarbeiter '{rep_id}' gefunden",
        "rep_out_of_office": "'{rep_id}' ist abwesend",
        "rep_at_capacity": "'{rep_id}' hat keine freie Kapazität",
    },
    "en": {
        "unknown_field": "unknown field",
        "required": "is required",
        "given_once": "must be given once",
        "text": "must be a string",
        "single_line": "must be a single line without control characters",
        "control": "must not contain control characters",
        "bidi": "must not contain bidirectional override or isolate characters",
        "unicode": "is not valid Unicode (lone surrogate)",
        "number": "must be a finite number DynamoDB can store (at most 38 digits, 1e-130 to 1e125)",
        "max_length": "must be at most {limit} characters",
        "choice": "must be one of {choices}",
        "choices_among": "must be among {choices}",
        "checkbox": "must be a checkbox value",
        "country": "must be an ISO 3166-1 alpha-2 country code",
        "phone": "must be a phone number",
        "url": "must be an http(s) URL",
        "email_invalid": "is not a valid e-mail address",
        "email_local_ascii": "must not contain accented or non-Latin letters before the @: we cannot "
        "deliver to such addresses",
        "email_local_length": "may have at most 64 characters before the @",
        "email_length": "must be at most 254 characters",
        "email_domain": "has a domain that does not receive e-mail",
        "body_json": "is not valid JSON",
        "body_object": "must be a JSON object",
        "depth": "must not nest deeper than 32 levels",
        "duplicate": "must not repeat a key in one object",
        "body_form_data": "is not valid UTF-8 form data",
        "body_too_large": "must be at most {limit} bytes",
        "media_type": "must be application/json or application/x-www-form-urlencoded",
        "unknown_form": "unknown form",
        "rate_limited": "too many submissions, try again later",
        "busy": "busy, try again",
        # --- import rows (GET /imports/{id}/errors)
        "encoding": "is not text in the file's encoding (UTF-8 or Windows-1252)",
        "cells": "has {count} cells, the header only {expected}",
        "consent_given_at": "must be an ISO 8601 date or time, not in the future",
        "ip": "must be an IP address",
        # --- sales outcomes (admin API, rep link, console)
        "detail_not_applicable": "does not apply to the outcome '{outcome}'",
        "deal_currency": "must be an ISO 4217 code like EUR, given with the value",
        "deal_amount": "must be a positive amount with at most {places} decimals",
        "deal_recurring": "one of {choices}, given with expected_months",
        "deal_months": "a whole number of months from 1 to {limit}",
        "deal_recurring_value": "a recurring deal needs its value per period",
        "outcome_reason_required": "required for the outcome '{outcome}': one of {choices}",
        # --- resuming paused sending (admin API, console)
        "resume_reason": "say why, in at most {limit} characters",
        "unknown_sequence": "not a sequence of the playbook",
        "not_paused": "not paused",
        # --- a rep's answer to an offer (rep link, admin API, console)
        "offer_not_current": "this offer was answered, reassigned or closed meanwhile",
        "not_accepted": "accept the lead before recording an outcome",
        "unknown_outcome": "unknown outcome '{outcome}'; one of {choices}",
        "outcome_not_applicable": "outcome '{outcome}' does not apply to a lead in stage '{stage}'",
        # --- a manager reassigns to a chosen rep
        "unknown_rep": "no rep '{rep_id}'",
        "rep_out_of_office": "'{rep_id}' is out of office",
        "rep_at_capacity": "'{rep_id}' has no capacity left",
    },
}
LOCALES = tuple(MESSAGES)


def word(reason: Reason | str, locale: str) -> str:
    """The message for a reason in the locale; a plain string (routes no
    form decides, e.g. admin ones) stays as it is."""
    if not isinstance(reason, Reason):
        return reason
    template = MESSAGES.get(locale, MESSAGES[DEFAULT_LOCALE])[reason.key]
    values = {k: ", ".join(v) if isinstance(v, (list, tuple)) else v for k, v in reason.values.items()}
    return template.format(**values)


def worded(errors: Mapping[str, Reason | str], locale: str = DEFAULT_LOCALE) -> dict[str, str]:
    return {name: word(reason, locale) for name, reason in errors.items()}
