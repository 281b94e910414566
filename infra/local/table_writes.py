"""Tells the local stream reader that the table was written, so it sleeps
until there is something to read instead of asking the stream in a loop.

moto appends a stream record inside the write call, so once a write has
returned its record can be read. Every writing call of moto's DynamoDB
backend (in this process: the embedded server or an in-process mock) bumps a
counter and wakes whoever waits on it. Install after `moto_fixes.apply()`,
which replaces the transaction call."""

from __future__ import annotations

import functools
import threading

from moto.dynamodb.models import DynamoDBBackend

_WRITING = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")


class Writes:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.count = 0

    def written(self) -> None:
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        """Until a write after the `seen`-th, a wake-up or the timeout."""
        with self._changed:
            if self.count == seen:
                self._changed.wait(timeout)

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()


WRITES = Writes()
_installed = False


def _signalled(method):
    @functools.wraps(method)
    def write(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        finally:
            WRITES.written()  # a failed write wakes the reader for nothing: harmless

    return write


def install() -> Writes:
    global _installed
    if not _installed:
        for name in _WRITING:
            setattr(DynamoDBBackend, name, _signalled(getattr(DynamoDBBackend, name)))
        _installed = True
    return WRITES
