"""JUnit XML for CI systems: one test suite per rule, one test case per store.

``fail`` is a failure; ``not_assessed`` is an error (unknown is never a pass);
``excepted`` passes with the exception noted; ``not_applicable`` is left out.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from xml.etree import ElementTree as ET

from scanner.fileio import write_atomic
from scanner.findings import Findings, ResourceRef, StoreResult
from scanner.render.inert import for_xml


def junit_xml(findings: Findings, new_failures: set[tuple[str, str]] | None = None) -> str:
    """The findings as a JUnit XML document."""
    by_rule: dict[str, list[tuple[ResourceRef, StoreResult]]] = defaultdict(list)
    for group, result in findings.verdicts():
        if result.status != "not_applicable":
            by_rule[result.rule].append((group.resource, result))
    root = ET.Element("testsuites", name="backup-audit")
    for rule, results in sorted(by_rule.items()):
        suite = ET.SubElement(
            root,
            "testsuite",
            name=rule,
            tests=str(len(results)),
            failures=str(sum(r.status == "fail" for _, r in results)),
            errors=str(sum(r.status == "not_assessed" for _, r in results)),
        )
        for resource, result in results:
            case = ET.SubElement(suite, "testcase", classname=rule, name=for_xml(resource.id))
            new = new_failures is not None and (resource.id, rule) in new_failures
            if result.status == "fail":
                ET.SubElement(
                    case, "failure", type="NEW" if new else "fail", message=for_xml(result.message)
                ).text = _citations(result)
            elif result.status == "not_assessed":
                ET.SubElement(case, "error", type="not_assessed", message=for_xml(result.message))
            elif result.status == "excepted" and result.exception:
                ET.SubElement(case, "system-out").text = for_xml(
                    f"excepted until {result.exception.expires}: {result.exception.reason} "
                    f"(approved by {result.exception.approved_by})"
                )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _citations(result: StoreResult) -> str:
    return "; ".join(f"{f}: {', '.join(ids)}" for f, ids in sorted(result.frameworks.items()))


def write_junit(
    findings: Findings, path: Path, new_failures: set[tuple[str, str]] | None = None
) -> None:
    """Write the JUnit XML atomically."""
    write_atomic(path, junit_xml(findings, new_failures))
