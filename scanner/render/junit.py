"""JUnit XML for CI systems: one test suite per rule, one test case per store.

``fail`` is a failure; ``not_assessed`` is an error (unknown is never a pass);
``excepted`` passes with the exception noted; ``not_applicable`` is left out.

The cases are gathered a store group at a time (:class:`JunitCases`: the gate hands it
each group of a findings stream as it reads it), keeping of each only what its case
prints, and the document is written a suite at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from scanner.fileio import atomic_writer
from scanner.findings import Findings, StoreResult, StoreResults
from scanner.render.inert import for_xml

_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True, slots=True)
class _Case:
    """What one store's case of a rule prints."""

    store: str
    status: str
    #: a failure's or error's message, or an exception's note
    text: str | None = None
    #: a failure's citations
    cited: str | None = None


class JunitCases:
    """The cases of every rule, gathered a store group at a time."""

    def __init__(self) -> None:
        self._by_rule: defaultdict[str, list[_Case]] = defaultdict(list)

    def add(self, group: StoreResults) -> None:
        """The cases of one store group's results (not_applicable left out)."""
        for result in group.results:
            if result.status != "not_applicable":
                self._by_rule[result.rule].append(_case(group.resource.id, result))

    def pieces(self, new_failures: set[tuple[str, str]] | None) -> Iterator[str]:
        """The document, a suite at a time (``new_failures``: store × rule typed NEW)."""
        root = ET.Element("testsuites", name="backup-audit")
        if not self._by_rule:
            yield _HEAD + ET.tostring(root, encoding="unicode") + "\n"
            return
        yield _HEAD + ET.tostring(root, encoding="unicode").removesuffix(" />") + ">\n  "
        rules = sorted(self._by_rule)
        for number, rule in enumerate(rules, 1):
            suite = _suite(rule, self._by_rule[rule], new_failures)
            ET.indent(suite, level=1)
            suite.tail = "\n" if number == len(rules) else "\n  "
            yield ET.tostring(suite, encoding="unicode")
        yield "</testsuites>\n"


def _case(store: str, result: StoreResult) -> _Case:
    if result.status in ("fail", "not_assessed"):
        cited = _citations(result) if result.status == "fail" else None
        return _Case(store, result.status, for_xml(result.message), cited)
    if result.status == "excepted" and result.exception:
        exception = result.exception
        note = (
            f"excepted until {exception.expires}: {exception.reason} "
            f"(approved by {exception.approved_by})"
        )
        return _Case(store, result.status, for_xml(note))
    return _Case(store, result.status)


def _suite(rule: str, cases: list[_Case], new_failures: set[tuple[str, str]] | None) -> ET.Element:
    suite = ET.Element(
        "testsuite",
        name=rule,
        tests=str(len(cases)),
        failures=str(sum(c.status == "fail" for c in cases)),
        errors=str(sum(c.status == "not_assessed" for c in cases)),
    )
    for case in cases:
        element = ET.SubElement(suite, "testcase", classname=rule, name=for_xml(case.store))
        if case.status == "fail":
            new = new_failures is not None and (case.store, rule) in new_failures
            failure = ET.SubElement(
                element, "failure", type="NEW" if new else "fail", message=case.text or ""
            )
            failure.text = case.cited
        elif case.status == "not_assessed":
            ET.SubElement(element, "error", type="not_assessed", message=case.text or "")
        elif case.text is not None:
            ET.SubElement(element, "system-out").text = case.text
    return suite


def _citations(result: StoreResult) -> str:
    return "; ".join(f"{f}: {', '.join(ids)}" for f, ids in sorted(result.frameworks.items()))


def junit_cases(stores: Iterable[StoreResults]) -> JunitCases:
    """The cases of findings read whole."""
    cases = JunitCases()
    for group in stores:
        cases.add(group)
    return cases


def write_junit(
    cases: JunitCases | Findings, path: Path, new_failures: set[tuple[str, str]] | None = None
) -> None:
    """Write the JUnit XML atomically, a suite at a time."""
    gathered = junit_cases(cases.stores) if isinstance(cases, Findings) else cases
    with atomic_writer(path) as out:
        for piece in gathered.pieces(new_failures):
            out.write(piece)
