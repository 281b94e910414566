"""Reading an uploaded CSV as people have it: UTF-8 with or without BOM or
Windows-1252, comma, semicolon or tab separated, quoted fields with line
breaks. Plain bytes in, records out, each with its first line number and the
byte offset after it, so an import can stop after any record and resume there.

A record ends at a line break outside quotes: in RFC 4180 quotes are doubled
inside a quoted field, so a record is complete when its quote count is even.
The quote and the line feed are single bytes in UTF-8 and Windows-1252 alike
(no multi-byte sequence contains them), so records are cut as bytes and only
then decoded."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"
SEPARATORS = (",", ";", "\t")
UTF8 = "utf-8"
WINDOWS_1252 = "cp1252"
# what the first look reads: enough for the header and the encoding guess
SAMPLE_BYTES = 64 * 1024


class FileRefused(ValueError):
    """The file as a whole cannot be imported; `reason` is the catalogue key."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Layout:
    """What the first look at a file decided (kept with the import, so a
    resumed worker reads the rest the same way)."""

    encoding: str
    delimiter: str
    header: tuple[str, ...]
    data_offset: int  # the byte after the header record
    data_line: int  # the line the first data record starts on


@dataclass(frozen=True)
class Record:
    line: int  # where the record starts (the header is line 1)
    cells: tuple[str, ...] | None  # None: the bytes are not text in the file's encoding
    end: int  # byte offset after the record
    next_line: int


def _delimiter(header: str) -> str:
    """The separator the header uses most outside quotes (comma on a tie)."""
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


def _encoding(sample: bytes) -> str:
    # a sample may end inside a UTF-8 sequence: judge only whole lines
    whole = sample[: sample.rfind(b"\n") + 1] or sample
    try:
        whole.decode(UTF8)
        return UTF8
    except UnicodeDecodeError:
        return WINDOWS_1252


def _cells(raw: bytes, layout_encoding: str, delimiter: str) -> tuple[str, ...] | None:
    try:
        text = raw.decode(layout_encoding)
    except UnicodeDecodeError:
        return None
    rows = list(csv.reader([text], delimiter=delimiter, strict=False))
    return tuple(rows[0]) if rows else ()


def split_records(chunks: Iterable[bytes], offset: int, line: int) -> Iterator[tuple[int, bytes, int, int]]:
    """(first line, raw bytes, end offset, next line) of each record in the
    bytes that start at `offset` (a record boundary) on `line`."""
    pending = b""
    start_line = line
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        while True:
            cut = buffer.find(b"\n")
            if cut < 0:
                break
            piece, buffer = buffer[: cut + 1], buffer[cut + 1 :]
            line += 1
            pending += piece
            if pending.count(b'"') % 2 == 0:
                offset += len(pending)
                yield start_line, pending, offset, line
                pending, start_line = b"", line
    pending += buffer
    if pending:
        offset += len(pending)
        yield start_line, pending, offset, line + 1


def _is_blank(raw: bytes) -> bool:
    return not raw.strip(b"\r\n\t ,;")


def records(chunks: Iterable[bytes], layout: Layout, offset: int, line: int) -> Iterator[Record]:
    """The data records from `offset`; blank lines are passed over."""
    for first, raw, end, next_line in split_records(chunks, offset, line):
        if _is_blank(raw):
            continue
        yield Record(first, _cells(raw.rstrip(b"\r\n"), layout.encoding, layout.delimiter), end, next_line)


def first_look(sample: bytes, size: int) -> Layout:
    """Encoding, separator and header from the file's first bytes. Raises
    FileRefused: empty, or not CSV (binary: a spreadsheet, UTF-16, an image)."""
    if not sample.strip(b"\r\n\t \xef\xbb\xbf"):
        raise FileRefused("empty")
    if b"\x00" in sample:
        raise FileRefused("not_csv")
    start = len(BOM) if sample.startswith(BOM) else 0
    encoding = UTF8 if start else _encoding(sample)
    header_record = next((r for r in split_records([sample[start:]], start, 1) if not _is_blank(r[1])), None)
    if header_record is None:
        raise FileRefused("empty")
    _, raw, end, next_line = header_record
    if not raw.endswith(b"\n") and len(sample) < size:
        raise FileRefused("not_csv")  # no line break in the first 64 KiB: no header
    try:
        text = raw.rstrip(b"\r\n").decode(encoding)
    except UnicodeDecodeError:
        raise FileRefused("not_csv") from None
    delimiter = _delimiter(text)
    header = tuple(c.strip() for c in next(csv.reader([text], delimiter=delimiter, strict=False)))
    return Layout(encoding, delimiter, header, end, next_line)
