"""Text from the clouds made inert for each place it is written.

Resource names, tags, error messages and rule texts come from outside: a bucket named
with a terminal escape (``ESC ]…`` rewrites a terminal's title or a link, ``ESC [2J``
clears it), a Unicode direction override, a spreadsheet formula (``=HYPERLINK(…)``) or a
character XML 1.0 cannot hold must reach the reader as visible text, never as an action.
Control characters are shown as ``\\xNN`` / ``\\uNNNN``; each format then gets its own
escaping.
"""

from __future__ import annotations

import re

#: C0 controls but tab, DEL, C1 controls (0x9b is a one-byte CSI) and the Unicode
#: direction overrides and isolates ("Trojan Source").
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str) -> str:
    """One line for a terminal: every control character shown, never interpreted."""
    return _CONTROL.sub(_visible, text)


def for_text(text: str) -> str:
    """Several lines (a rule's rationale, a page of HTML text): line breaks kept, every
    other control character shown."""
    return "\n".join(for_terminal(line) for line in text.split("\n"))


def for_html(value: object) -> object:
    """Jinja's ``finalize`` for the report: strings from outside keep their line breaks
    and show their other control characters (autoescaping then escapes the markup)."""
    if isinstance(value, str) and not hasattr(value, "__html__") and _CONTROL.search(value):
        return for_text(value)
    return value


def for_rich(text: str) -> str:
    """For rich's console: controls shown and ``[markup]`` printed as written."""
    from rich.markup import escape

    return escape(for_terminal(text))


def for_csv(value: object) -> object:
    """A CSV cell: controls shown; text a spreadsheet would run as a formula starts
    with an apostrophe (OWASP's advice), which spreadsheets display as plain text."""
    if not isinstance(value, str):
        return value
    text = for_terminal(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def for_xml(text: str) -> str:
    """Text XML 1.0 can hold (it has no escape for most control characters)."""
    return _NOT_XML.sub(_visible, text)


def for_markdown(text: str) -> str:
    """One line of Markdown text: controls shown, markup characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", for_terminal(text))
