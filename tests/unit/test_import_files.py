"""Reading CSV files as people have them (pure): encodings, separators,
quoted line breaks, and resuming at any record's end offset."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.imports.columns import plan_columns
from chalicelib.imports.csv_file import FileRefused, first_look, records
from chalicelib.playbook import load_playbook

FORM = load_playbook().forms["demo"]


def read_all(data: bytes, chunk=7):
    layout = first_look(data[:65536], len(data))
    chunks = [data[i : i + chunk] for i in range(layout.data_offset, len(data), chunk)]
    return layout, list(records(chunks, layout, layout.data_offset, layout.data_line))


def test_the_separator_is_the_one_the_header_uses():
    for separator in (",", ";", "\t"):
        data = f"email{separator}first_name{separator}company\na@example.com{separator}A{separator}B\n".encode()
        layout, [record] = read_all(data)
        assert layout.delimiter == separator and record.cells == ("a@example.com", "A", "B")


def test_bom_utf8_and_windows_1252_are_told_apart():
    assert first_look("\ufeffemail\nä@x.de\n".encode(), 20).encoding == "utf-8"
    assert first_look("email\nä@x.de\n".encode(), 20).encoding == "utf-8"
    assert first_look("email\nä@x.de\n".encode("cp1252"), 20).encoding == "cp1252"
    layout, [record] = read_all("\ufeffE-Mail;Vorname\nx@y.de;Jörg\n".encode())
    assert layout.header == ("E-Mail", "Vorname") and record.cells == ("x@y.de", "Jörg")


def test_quoted_line_breaks_stay_in_their_field_and_lines_are_counted():
    data = b'email,notes\r\na@x.de,"one\r\ntwo ""2"""\r\n\r\nb@x.de,\r\n'
    _, found = read_all(data, chunk=3)
    assert [(r.line, r.cells) for r in found] == [(2, ("a@x.de", 'one\r\ntwo "2"')), (5, ("b@x.de", ""))]
    assert found[-1].end == len(data)


def test_empty_and_binary_files_are_refused():
    for data, reason in ((b"", "empty"), (b"\r\n \n", "empty"), (b"PK\x03\x04\x00\x01", "not_csv")):
        try:
            first_look(data, len(data))
        except FileRefused as refused:
            assert refused.reason == reason
        else:
            raise AssertionError(data)


def test_headers_match_fields_labels_and_aliases_case_insensitively_and_the_map_comes_first():
    header = ("E-MAIL", "first name", "Firma", "Company", "Lieblingsfarbe", "Kontakt")
    plan = plan_columns(FORM, header, {"kontakt": "phone"})
    assert plan.columns(header) == {
        "E-MAIL": "email",
        "first name": "first_name",
        "Firma": "company",
        "Kontakt": "phone",
    }
    # a second column for a field fills nothing, and is reported once
    assert plan.unknown == ("Company", "Lieblingsfarbe")


def blank(row, separator):
    """A written row with nothing but separators and white space: passed over."""
    line = io.StringIO()
    csv.writer(line, delimiter=separator, lineterminator="\r\n").writerow(row)
    return not line.getvalue().strip("\r\n\t ,;")


cell = st.text(alphabet=st.sampled_from(list('ab ,;"\r\näß€')), max_size=8)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    rows=st.lists(st.lists(cell, min_size=2, max_size=2), min_size=1, max_size=12),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
    separator=st.sampled_from([",", ";", "\t"]),
    chunk=st.integers(1, 40),
)
def test_resuming_at_any_records_end_reads_the_same_rest(rows, encoding, separator, chunk):
    text = io.StringIO()
    writer = csv.writer(text, delimiter=separator, lineterminator="\r\n")
    writer.writerow(["email", "notes"])
    writer.writerows(rows)
    data = text.getvalue().encode(encoding)
    layout, everything = read_all(data, chunk)
    assert [list(r.cells) for r in everything] == [r for r in rows if not blank(r, separator)]
    for i, record in enumerate(everything):
        rest = data[record.end :]
        pieces = [rest[j : j + chunk] for j in range(0, len(rest), chunk)]
        assert list(records(pieces, layout, record.end, record.next_line)) == everything[i + 1 :]
