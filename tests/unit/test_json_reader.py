"""The JSON reader's edges: where nesting, numbers and text stop being
accepted (the routes' 400s are in tests/integration/test_bad_input.py)."""

import pytest

from chalicelib.web.http import MAX_DEPTH, HttpProblem, read_json
from chalicelib.web.messages import word


def refused(body: str) -> str:
    with pytest.raises(HttpProblem) as problem:
        read_json(body.encode())
    assert problem.value.status == 400
    return word(problem.value.errors["body"], "en")


def nested(levels: int) -> str:
    # the outer object is one level
    return '{"a": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"


def test_nesting_up_to_the_limit_is_read_and_one_more_level_is_refused():
    assert read_json(nested(MAX_DEPTH).encode())["a"] is not None
    assert "deeper than 32" in refused(nested(MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = '"' + "[{" * 100 + '\\"' + "[" * 50 + '"'
    assert read_json(('{"a": ' + text + "}").encode())["a"].startswith("[{")


@pytest.mark.parametrize(
    "number", ["0", "-0.0", "1e-130", "9.99e125", "1" * 38, "-" + "9" * 38, "1e-400", "0.1234567890123456789012345"]
)
def test_numbers_dynamodb_holds_are_read(number):
    assert "n" in read_json(f'{{"n": {number}}}'.encode())


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "1e-200", "1e126", "1" * 39, "9" * 5000])
def test_numbers_dynamodb_refuses_are_400(number):
    assert "finite number" in refused(f'{{"n": {number}}}')


def test_a_surrogate_pair_is_one_character_but_a_lone_one_is_refused():
    assert read_json(b'{"t": "\\ud83d\\ude00"}') == {"t": "\U0001f600"}
    assert "lone surrogate" in refused('{"t": "\\ude00\\ud83d"}')
    assert "lone surrogate" in refused('{"\\ud800": 1}')


def test_a_key_repeated_in_any_object_is_refused():
    assert "repeat a key" in refused('{"a": {"b": 1, "b": 1}}')


def test_an_empty_body_is_an_empty_object_and_other_json_is_not():
    assert read_json(b"") == {} and read_json(b"  ") == {}
    assert "JSON object" in refused("[1]")
    assert "valid JSON" in refused("{'a': 1}")
