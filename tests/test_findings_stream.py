"""Reading findings a store at a time (the gate): the same verdicts and baseline as the
file read whole; any file not laid out as the writer lays it out, or not valid, is read
whole instead — which names its problem exactly as before."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from scanner.errors import InputFileError
from scanner.findings_layout import compact_json
from scanner.findings_read import load_findings, read_streamed, read_whole
from scanner.findings_stream import FindingsStream, NotStreamable
from scanner.gate import baseline_of, load_baseline, run_gate
from scanner.render.junit import JunitCases, write_junit
from tests.engine_helpers import GOOD_TABLE, evaluate, store
from tests.test_findings_format import _as_v2
from tests.test_gate import DENIED, _resealed


def _written(tmp: Path) -> Path:
    stores = [store("alpha", **GOOD_TABLE), store("beta"), store("gamma", gaps=DENIED)]
    evaluate(tmp, stores, name="n.json")
    return tmp / "n.json"


def test_a_stream_gives_the_verdict_and_baseline_of_the_whole_file(tmp_path: Path) -> None:
    path = _written(tmp_path)
    whole = load_findings(path)
    stream = FindingsStream(path)
    groups = list(stream.stores())
    assert groups == whole.stores
    assert stream.head.model_dump() == whole.model_dump(exclude={"stores"})
    earlier = baseline_of(whole).model_copy(update={"statuses": {}, "coverage": {"overall": 1}})
    for baseline, min_coverage, fail_on in ((earlier, 0.9, "low"), (None, None, None)):
        streamed = run_gate(FindingsStream(path), baseline, min_coverage, fail_on)
        assert streamed == run_gate(whole, baseline, min_coverage, fail_on)
    assert streamed.checked and not streamed.reasons  # nothing to fail on
    assert run_gate(FindingsStream(path), earlier, 0.9, "low").new_failures
    assert baseline_of(FindingsStream(path)) == baseline_of(whole)


def test_the_head_of_a_stream_is_known_once_its_stores_are_read(tmp_path: Path) -> None:
    stream = FindingsStream(_written(tmp_path))
    with pytest.raises(RuntimeError, match="once its stores are read"):
        stream.head  # noqa: B018


def _not_streamable(path: Path) -> None:
    with pytest.raises(NotStreamable):
        list(FindingsStream(path).stores())


def test_another_layout_or_v2_is_read_whole_to_the_same_verdict(tmp_path: Path) -> None:
    path = _written(tmp_path)
    expected = run_gate(load_findings(path), None, 0.5, "high")
    pretty = tmp_path / "pretty.json"
    _resealed(pretty, json.dumps(json.loads(path.read_bytes()), indent=2))
    old = tmp_path / "v2.json"
    old.write_bytes(_as_v2(json.loads(path.read_bytes())))
    for other in (pretty, old):
        _not_streamable(other)
        verdict, head = read_streamed(other, lambda f: run_gate(f, None, 0.5, "high"))
        assert verdict == expected and head.coverage == load_findings(path).coverage


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (('"status":"fail"', '"status":"pass","status":"fail"'), "duplicate key 'status'"),
        (('"status":"fail"', '"status":"fail","n":NaN'), "NaN"),
        (('"status":"fail"', '"status":"failing"'), "status"),
        (
            ('"rule":"BKP-EXISTS"', '"rule":"BKP-EXISTS","extra":1'),
            r"results\[\d+\]\.extra: Extra inputs are not permitted",
        ),
        (
            ('"results":[{', '"results":[5,{'),
            r"results\[0\]: Input should be a valid dictionary or instance of StoreResult",
        ),
    ],
)
def test_a_line_that_is_not_the_writers_is_refused_as_the_whole_reader_refuses_it(
    tmp_path: Path, edit: tuple[str, str], problem: str
) -> None:
    path = _written(tmp_path)
    text = path.read_text()
    assert edit[0] in text
    _resealed(path, text.replace(*edit, 1))
    _not_streamable(path)
    with pytest.raises(InputFileError, match=problem):
        load_findings(path)
    _same_refusal(path)


def test_a_field_written_twice_or_a_changed_byte_is_not_streamed(tmp_path: Path) -> None:
    path = _written(tmp_path)
    text = path.read_text()
    scope = next(line for line in text.splitlines() if line.startswith('  "scope": '))
    _resealed(path, text.replace('  "coverage": ', scope + '\n  "coverage": ', 1))
    _not_streamable(path)
    with pytest.raises(InputFileError, match="duplicate key 'scope'"):
        read_streamed(path, baseline_of)
    path.write_text(text.replace('"status":"fail"', '"status":"pass"', 1))  # not resealed
    _not_streamable(path)
    with pytest.raises(InputFileError, match=r"integrity\.sha256"):
        read_streamed(path, baseline_of)
    path.write_text(text[: len(text) // 2])  # truncated
    _not_streamable(path)
    with pytest.raises(InputFileError):
        read_streamed(path, baseline_of)


def test_findings_given_as_a_baseline_are_read_in_either_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _written(tmp_path)
    expected = baseline_of(load_findings(path))
    with monkeypatch.context() as streamed_only:  # the whole reader would fail the test
        streamed_only.setattr("scanner.findings_read.read_whole", _never)
        assert load_baseline(path) == expected  # begins as evaluate writes: streamed
    pretty = tmp_path / "pretty.json"
    _resealed(pretty, json.dumps(json.loads(path.read_bytes()), indent=2))
    assert load_baseline(pretty) == expected
    pretty.write_text(pretty.read_text().replace('"fail"', '"pass"', 1))  # not resealed
    with pytest.raises(InputFileError, match=r"pretty\.json.*integrity\.sha256"):
        load_baseline(pretty)


def test_findings_as_written_are_loaded_a_store_group_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _written(tmp_path)
    whole = read_whole(path)
    with monkeypatch.context() as streamed_only:  # the whole reader would fail the test
        streamed_only.setattr("scanner.findings_read.read_whole", _never)
        loaded = load_findings(path)
    assert loaded == whole and loaded.results == whole.results
    assert loaded.model_fields_set == whole.model_fields_set


def _never(path: Path) -> None:
    raise AssertionError(f"{path} was read whole")


def _same_refusal(path: Path) -> None:
    """The stream refuses ``path`` with the strict whole reader's very message, whether
    a reader keeps every group (``load_findings``) or a pass over them (the gate)."""
    with pytest.raises(InputFileError) as whole:
        read_whole(path)
    with pytest.raises(InputFileError) as loaded:
        load_findings(path)
    with pytest.raises(InputFileError) as streamed:
        read_streamed(path, lambda f: run_gate(f, None, None, None))
    assert str(streamed.value) == str(loaded.value) == str(whole.value)


def test_the_commas_between_store_lines_are_the_writers(tmp_path: Path) -> None:
    path = _written(tmp_path)
    lines = path.read_text().split("\n")
    first = lines.index('  "stores": [') + 1
    last = lines.index("  ],") - 1
    for edited in (
        [*lines[:first], lines[first].removesuffix(","), *lines[first + 1 :]],
        [*lines[:last], lines[last] + ",", *lines[last + 1 :]],
    ):
        _resealed(path, "\n".join(edited))
        _not_streamable(path)
        _same_refusal(path)


def test_a_field_nested_deeper_than_the_writer_writes_is_refused_cleanly(
    tmp_path: Path,
) -> None:
    path = _written(tmp_path)
    deep = '  "deep": ' + "[" * 300 + "]" * 300 + ",\n"
    _resealed(path, path.read_text().replace('  "scope": ', deep + '  "scope": ', 1))
    _not_streamable(path)
    _same_refusal(path)


def test_a_folder_a_device_or_a_missing_file_is_refused_as_before(tmp_path: Path) -> None:
    for path in (tmp_path, Path("/dev/null"), tmp_path / "missing.json"):
        _same_refusal(path)


def test_junit_gathered_from_a_stream_is_the_whole_files_document(tmp_path: Path) -> None:
    path = _written(tmp_path)
    whole = load_findings(path)
    earlier = baseline_of(whole).model_copy(update={"statuses": {}})
    cases = JunitCases()
    verdict = run_gate(FindingsStream(path), earlier, None, "low", cases.add)
    new = {(r.resource.id, r.rule) for r in verdict.new_failures}
    assert new and verdict.severe
    write_junit(cases, tmp_path / "junit.xml", new)
    written = (tmp_path / "junit.xml").read_text()
    write_junit(whole, tmp_path / "whole.xml", new)  # the findings read whole, then written
    assert written == (tmp_path / "whole.xml").read_text()
    root = ET.fromstring(written)
    assert sum(int(s.get("failures") or 0) for s in root) == sum(
        r.status == "fail" for r in whole.results
    )
    assert root.find(".//failure[@type='NEW']") is not None
    empty = "".join(JunitCases().pieces(None))
    assert empty == '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="backup-audit" />\n'


def test_values_that_repeat_from_store_to_store_are_held_once(tmp_path: Path) -> None:
    path = _written(tmp_path)
    alpha, beta = load_findings(path).stores[:2]
    pairs = [(a, b) for a in alpha.results for b in beta.results if a.rule == b.rule]
    assert len(pairs) > 10
    for a, b in pairs:
        assert a.rule is b.rule and a.title is b.title and a.frameworks is b.frameworks
        assert (a.supports is None) == (b.supports is None)
        assert a.supports is None or a.supports is b.supports
    # Values that differ stay apart: beta's citations of one rule, edited and resealed.
    rule = pairs[0][1].rule
    text = path.read_text()
    cited = compact_json(pairs[0][1].frameworks).decode()
    at = text.index(f'"rule":"{rule}"', text.index('"name":"beta"'))
    start = text.rindex('"frameworks":', 0, at)
    assert text[start:].startswith(f'"frameworks":{cited}')
    edited = json.loads(cited) | {"zz": ["1"]}
    end = start + len(f'"frameworks":{cited}')
    _resealed(path, f'{text[:start]}"frameworks":{compact_json(edited).decode()}{text[end:]}')
    alpha, beta = load_findings(path).stores[:2]
    (changed,) = [r for r in beta.results if r.rule == rule]
    (kept,) = [r for r in alpha.results if r.rule == rule]
    assert changed.frameworks == edited and kept.frameworks == json.loads(cited)
