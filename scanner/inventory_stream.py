"""Reading an inventory a store at a time, so that an estate of any size is evaluated in
bounded memory (decision 55).

:func:`scanner.inventory.write_snapshot` writes a snapshot as JSON indented by two
spaces with sorted keys: the ``stores`` array is a line ``  "stores": [`` at the top
level, each store an object opening on a line ``    {`` and closing on a line ``    }``.
A raw line break cannot occur inside a JSON string, so in that layout the byte patterns
below mark exactly where each store begins and ends. :func:`scan_layout` finds them in
one pass over the file (hashing it as it goes) and keeps only their offsets and the rest
of the file (the *head*: scope, accounts, API calls, with the stores left out); each
store's bytes are read and validated only when a chunk of stores is evaluated.

The split needs no trust in the layout: every piece is validated on its own as a store
object, and a piece cut anywhere but between two stores of the array is not a JSON
object (its brackets do not balance), so it is refused. A file in another layout —
minified, version 1, a second ``stores`` key — is not recognised (:func:`scan_layout`
returns None); one whose pieces are refused (hand-edited, say) is found out when they
are validated. Either is read whole by :func:`scanner.inventory.load_snapshot`, as
before.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

from pydantic import ValidationError

from scanner.errors import InputFileError
from scanner.fileio import open_input_file
from scanner.inventory import WHAT
from scanner.model import StoreOutline

Outline = TypeVar("Outline", bound=StoreOutline)

#: the top-level ``stores`` key and the opening brace of its first store
OPEN: Final = b'\n  "stores": [\n    {'
#: the closing brace of one store and the opening brace of the next
BETWEEN: Final = b"\n    },\n    {"
#: the closing brace of the last store and the array's closing bracket
CLOSE: Final = b"\n    }\n  ]"
#: the bytes read at a time while scanning
BLOCK: Final = 16 * 2**20


class StoreRefused(Exception):
    """A store's bytes are not a valid store: the whole file's reader names the problem."""


@dataclass
class InventoryLayout:
    """Where each store lies in an inventory file in the writer's layout."""

    path: Path
    #: the SHA-256 of the whole file, as it was scanned
    sha256: str
    #: the file with its stores left out (``"stores": []``)
    head: bytes
    #: the offset of each store's opening brace, and the offset just after its closing one
    starts: array[int]
    ends: array[int]

    @property
    def count(self) -> int:
        """How many stores the file holds."""
        return len(self.starts)

    def read(self, start: int, stop: int) -> tuple[list[bytes], str]:
        """The bytes of stores ``start`` to ``stop`` (exclusive), and a digest of them."""
        first, end = self.starts[start], self.ends[stop - 1]
        try:
            with self.path.open("rb") as stream:
                stream.seek(first)
                data = stream.read(end - first)
        except OSError as exc:
            raise InputFileError(self.path, f"cannot read {WHAT}: {exc.strerror or exc}") from None
        pieces = [
            data[a - first : b - first]
            for a, b in zip(self.starts[start:stop], self.ends[start:stop], strict=True)
        ]
        return pieces, hashlib.blake2b(data, digest_size=16).hexdigest()


def validate_store(piece: bytes, model: type[Outline]) -> Outline:
    """One store's bytes as a ``model`` (a store, or its outline); :class:`StoreRefused`
    when they are not one."""
    try:
        return model.model_validate_json(piece)
    except ValidationError:
        raise StoreRefused from None


def scan_layout(path: Path, block_size: int = BLOCK) -> InventoryLayout | None:
    """The stores' offsets and the head of an inventory file in the writer's layout, or
    None when the file is in another layout (or holds no store); read ``block_size``
    bytes at a time. A path that is not a readable regular file of at most
    ``MAX_JSON_BYTES`` raises :class:`InputFileError`, as the whole file's reader does."""
    scan = _Scan()
    with open_input_file(path, WHAT) as stream:
        try:
            while block := stream.read(block_size):
                scan.feed(block)
        except OSError as exc:
            raise InputFileError(path, f"cannot read {WHAT}: {exc.strerror or exc}") from None
    return scan.layout(path)


class _Scan:
    """The state of one pass over a file: before the stores, among them, after them."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.before: list[bytes] = []
        self.after: list[bytes] = []
        self.starts: array[int] = array("q")
        self.ends: array[int] = array("q")
        self.state = "before"
        self.pending = b""  # the end of the last block, where a pattern may begin
        self.offset = 0  # the file offset of ``pending``'s first byte

    def feed(self, block: bytes) -> None:
        self.digest.update(block)
        data = self.pending + block
        keep = 0
        if self.state == "before":
            keep = self._before(data)
        if self.state == "among":
            keep = self._among(data, keep)
        if self.state == "after":
            self.after.append(data[keep:])
            keep = len(data)
        self.pending = data[keep:]
        self.offset += keep

    def _before(self, data: bytes) -> int:
        found = data.find(OPEN)
        if found < 0:
            keep = max(len(data) - len(OPEN) + 1, 0)
            self.before.append(data[:keep])
            return keep
        brace = found + len(OPEN) - 1
        self.before.append(data[:brace])  # up to the array's opening bracket and its line
        self.starts.append(self.offset + brace)
        self.state = "among"
        return brace

    def _among(self, data: bytes, cursor: int) -> int:
        close = data.find(CLOSE, cursor)
        limit = close if close >= 0 else len(data)
        while (found := data.find(BETWEEN, cursor, limit + len(BETWEEN) - 1)) >= 0:
            self.ends.append(self.offset + found + len(b"\n    }"))
            cursor = found + len(BETWEEN) - 1
            self.starts.append(self.offset + cursor)
        if close < 0:
            return max(cursor, len(data) - max(len(BETWEEN), len(CLOSE)) + 1)
        self.ends.append(self.offset + close + len(b"\n    }"))
        self.state = "after"
        return close + len(b"\n    }")

    def layout(self, path: Path) -> InventoryLayout | None:
        if self.state != "after":
            return None
        head = b"".join(self.before) + b"".join(self.after) + self.pending
        if _top_level_keys(head).count("stores") != 1:  # read whole: the reader says why
            return None
        return InventoryLayout(path, self.digest.hexdigest(), head, self.starts, self.ends)


def _top_level_keys(head: bytes) -> list[str]:
    """The keys of the head's top-level object as decoded (``"stor\\u0065s"`` is
    ``stores``), repeats kept; none when it is not a JSON object."""
    try:
        pairs = json.loads(head, object_pairs_hook=lambda pairs: pairs)
    except ValueError:
        return []
    return [key for key, _ in pairs] if isinstance(pairs, list) else []
