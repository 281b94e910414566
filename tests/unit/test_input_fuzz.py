"""Hypothesis drives the JSON reader and the capture, events and admin-edit
parsers with arbitrary Unicode and JSON: each answers with its own 4xx
error or a value that DynamoDB stores as it is, never anything else.
Bounded and derandomised, so the suite stays fast and repeatable."""

import json
from datetime import UTC, datetime
from decimal import Decimal

from boto3.dynamodb.types import DYNAMODB_CONTEXT, TypeSerializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.activities.input import parse_activity, parse_profile_edit
from chalicelib.capture.validation import InvalidSubmission, as_value_lists, validate_submission
from chalicelib.playbook import load_playbook
from chalicelib.values import text_problem
from chalicelib.web.http import HttpProblem, read_json
from chalicelib.web.messages import LOCALES, worded

PLAYBOOK = load_playbook()
FORM = PLAYBOOK.forms["demo"]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FUZZ = settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# every code point, lone surrogates included (what a JSON \u escape can carry),
# with the ones that fool readers drawn more often
TRICKY = st.sampled_from(
    ["\x00", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\u202e", "\u2066", "\ud800"]
)
TEXT = st.text(st.one_of(*[st.characters(codec=None)] * 3, TRICKY), max_size=20)
NUMBERS = st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.decimals())
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12
)
# mostly names the parsers take, so the values behind them get looked at
SNAKE = st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\Z") | st.sampled_from(["url", "note", "city"])
KEYS = SNAKE | TEXT
FLAT = st.one_of(SCALARS, st.lists(TEXT, max_size=3))


def stored_as_is(value):
    """DynamoDB's documented limits, restated: numbers finite, 38 digits at
    most, magnitudes 1e-130 to below 1e126; text valid UTF-8."""
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        number = Decimal(value)
        assert number.is_finite(), value
        assert number.is_zero() or -130 <= number.adjusted() <= 125, value
        DYNAMODB_CONTEXT.create_decimal(number)  # raises on rounding
    if isinstance(value, str):
        value.encode("utf-8")
    if isinstance(value, dict):
        return {k: stored_as_is(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stored_as_is(v) for v in value]
    TypeSerializer().serialize(value)
    return value


def as_json_text(value):
    # NaN and Infinity as Python writes them; Decimals as their digits
    return json.dumps(value, default=str, ensure_ascii=True)


@FUZZ
@given(st.binary(max_size=200) | st.builds(lambda v: as_json_text(v).encode(), JSON_VALUES))
def test_the_json_reader_gives_an_object_fit_to_store_or_a_400(body):
    try:
        data = read_json(body)
    except HttpProblem as problem:
        assert problem.status == 400 and problem.errors["body"]
        return
    assert isinstance(data, dict)
    stored_as_is(data)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from([n for n in FORM.fields if n not in ("email", "consent")]),
        st.one_of(*[TEXT] * 4, st.lists(TEXT, max_size=3), SCALARS),
        max_size=3,
    )
)
def test_capture_validation_gives_clean_text_or_field_errors(fields):
    try:
        submission = validate_submission(FORM, as_value_lists({"email": "ann@example.com", "consent": True, **fields}))
    except InvalidSubmission as invalid:
        # every refusal can be worded for the person, in each language
        for locale in LOCALES:
            assert invalid.errors and all(worded(invalid.errors, locale).values())
        return
    for value in [*submission.profile.values(), *submission.attribution.values()]:
        for text in value if isinstance(value, list) else [value]:
            assert text_problem(text) is None
    stored_as_is({**submission.profile, **submission.attribution})


def activities(source):
    """(source, body, extra top-level keys) for types that source may send."""
    types = [name for name, definition in PLAYBOOK.activities.types.items() if source in definition.sources]
    data = st.dictionaries(SNAKE, FLAT, max_size=3) | JSON_VALUES
    body = st.fixed_dictionaries(
        {"type": st.sampled_from(types)}, optional={"url": st.just("https://a.example/"), "data": data}
    )
    return st.tuples(st.just(source), body, st.dictionaries(SNAKE, FLAT, max_size=2))


@FUZZ
@given(st.sampled_from(["web", "server"]).flatmap(activities))
def test_an_event_or_activity_gives_storable_data_or_field_errors(case):
    source, body, extra = case
    try:
        kind, data, at = parse_activity(PLAYBOOK.activities, {**extra, **body}, source, NOW)
    except InvalidSubmission as invalid:
        assert invalid.errors
        return
    assert kind in PLAYBOOK.activities.types and at <= NOW
    for value in data.values():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                assert text_problem(text, multiline=source == "server") is None
    stored_as_is(data)


@FUZZ
@given(st.dictionaries(KEYS, FLAT | JSON_VALUES, max_size=4))
def test_a_profile_edit_gives_storable_single_line_values_or_field_errors(profile):
    try:
        updates, removals = parse_profile_edit({"profile": profile})
    except InvalidSubmission as invalid:
        assert invalid.errors
        return
    assert set(updates) | set(removals) == set(profile)
    for value in updates.values():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                assert text_problem(text) is None
    stored_as_is(updates)
