"""The bytes of ``findings.json``: how ``evaluate`` lays the file out and encodes it.

A header field a line, a store group a line (compact JSON, keys sorted, each evidence
item once: :func:`encode_store`), a trailer field a line, and last the SHA-256 of every
byte before the integrity field. Readers prove a file canonical by encoding its data
again with these same functions (:mod:`scanner.findings_stream`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

import orjson

from scanner.fileio import atomic_binary_writer

#: What precedes the integrity field; the hash covers every byte before it.
INTEGRITY_MARK: Final = ',\n  "integrity": '


def store_group(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One store's results (plain dicts with one ``resource``, evidence as item lists) as
    findings.json holds them: the resource once, each distinct evidence item once in the
    order the results first name it, and each result's evidence as those items' indices."""
    _, items, grouped = _grouped(results)
    return {"resource": results[0]["resource"], "evidence": items, "results": grouped}


def encode_store(results: Sequence[dict[str, Any]]) -> bytes:
    """:func:`store_group`'s group as findings.json's bytes (``compact_json`` of it),
    each evidence item encoded once."""
    encoded, _, grouped = _grouped(results)
    return b"".join(
        (
            b'{"evidence":[',
            b",".join(encoded),
            b'],"resource":',
            compact_json(results[0]["resource"]),
            b',"results":',
            compact_json(grouped),
            b"}",
        )
    )


def _grouped(
    results: Sequence[dict[str, Any]],
) -> tuple[dict[bytes, int], list[Any], list[dict[str, Any]]]:
    """The distinct evidence items (by their bytes → index, and as objects, in order)
    and the results without their resource, naming their items by index."""
    index: dict[bytes, int] = {}
    items: list[Any] = []
    encoded = EncodedItems()
    grouped = []
    for result in results:
        named = result.get("evidence")
        if named is not None:
            named = [_item_index(encoded(item), item, index, items) for item in named]
        grouped.append(
            {k: v for k, v in result.items() if k != "resource"}
            | ({} if named is None else {"evidence": named})
        )
    return index, items, grouped


def _item_index(content: bytes, item: Any, index: dict[bytes, int], items: list[Any]) -> int:
    if content not in index:
        index[content] = len(items)
        items.append(item)
    return index[content]


class EncodedItems:
    """Each evidence item's bytes as findings.json writes them (:func:`compact_json`),
    encoded once per item object: the results of a store share their item objects, and
    equal items are found by their bytes. The items are kept, so an id stays theirs."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Any, bytes]] = {}

    def __call__(self, item: Any) -> bytes:
        """``item``'s bytes."""
        known = self._by_id.get(id(item))
        if known is None:
            known = self._by_id[id(item)] = (item, compact_json(item))
        return known[1]


def write_findings(
    path: Path,
    header: dict[str, Any],
    stores: Iterable[list[bytes]],
    trailer: Callable[[], dict[str, Any]],
) -> None:
    """Stream ``header`` fields, every store group from the ``stores`` batches (each
    already encoded by :func:`compact_json` from :func:`store_group`), then the fields
    ``trailer()`` returns (coverage needs all results first), and last the SHA-256 of
    every byte before it (``integrity.sha256``), atomically. Bytes throughout: a group is
    encoded once."""
    with atomic_binary_writer(path) as out:
        digest = hashlib.sha256()
        for piece in document_pieces(header, stores, trailer):
            out.write(piece)
            digest.update(piece)
        out.write(integrity_tail(digest.hexdigest()))


def document_pieces(
    header: dict[str, Any],
    stores: Iterable[list[bytes]],
    trailer: Callable[[], dict[str, Any]],
) -> Iterator[bytes]:
    """The bytes of a findings file up to its integrity field, piece by piece: the one
    layout the writer writes and the stream checks."""
    yield b"{\n"
    for key, value in header.items():
        yield field_line(key, value) + b",\n"
    yield b'  "stores": ['
    separator = b"\n    "
    for batch in stores:
        if batch:
            yield separator + b",\n    ".join(batch)
            separator = b",\n    "
    yield b"\n  ]"
    for key, value in trailer().items():
        yield b",\n" + field_line(key, value)


def field_line(name: str, value: Any) -> bytes:
    """A header or trailer field's line, without the separator after it."""
    return b"  " + _key(name) + b": " + compact_json(value)


def _key(name: str) -> bytes:
    return json.dumps(name).encode()


def integrity_tail(digest: str) -> bytes:
    """The file's end from the comma before its integrity field."""
    return INTEGRITY_MARK.encode() + integrity_value(digest) + b"\n}\n"


def integrity_value(digest: str) -> bytes:
    """The integrity field's value."""
    return compact_json({"sha256": digest})


def document_sha256(text: str) -> str | None:
    """The SHA-256 ``write_findings`` records, recomputed over a findings file's text
    (None when the text has no integrity field where the writer puts it)."""
    end = text.rfind(INTEGRITY_MARK)
    return None if end < 0 else hashlib.sha256(text[:end].encode()).hexdigest()


def compact_json(value: Any) -> bytes:
    """A value (a result, a header or trailer field) as findings.json writes it: compact
    UTF-8 JSON with sorted keys (orjson: ~10x the standard library)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
