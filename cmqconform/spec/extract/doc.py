"""A Tencent API 3.0 product doc as extracted from its PDF: clean lines and their sections.

The text keeps the PDF's noise: URLs, "Last updated" stamps, page footers and running headings
(which land in the middle of tables), rows wrapped over several lines, tabs for column breaks
and look-alike characters (a Cyrillic ``Т`` in "Туре", a full-width colon). :func:`read_doc`
keeps every line with its number and marks the noise; :func:`sections` finds the action
sections ("1. API Description" ... "6. Error Code") and the data structures ("Used by
actions:"). Nothing here interprets a table; :mod:`cmqconform.spec.extract.tables` does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cmqconform.errors import SpecError

#: Look-alike letters the PDF extraction leaves in English words, by their Latin twin.
_LOOKALIKES = str.maketrans({
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x",
    "і": "i", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'",
    "\u201c": '"', "\u201d": '"', "\u2022": " ", "\u200b": "", "\ufeff": "",
})

_URL = re.compile(r"^\s*https?://\S+\s*$")
_STAMP = re.compile(r"^\s*Last updated\s*:")
_FOOTER = re.compile(r"^\s*(©|\(c\)\s*\d{4}|.*\bPage \d+ of \d+\s*$)")
_FENCE = re.compile(r"^\s*```\s*$")
_IDENT = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_TITLE = re.compile(r"^(?:[A-Z][A-Za-z0-9-]*)(?: [A-Z][A-Za-z0-9-]*){0,5}$")
_CATEGORY = re.compile(r"(?:APIs|interface)$")

API_DESCRIPTION = "1. API Description"
HEADINGS = {
    "input": re.compile(r"^2\. Input Parameters$"),
    "output": re.compile(r"^3\. Output Parameters$"),
    "example": re.compile(r"^4\. Example$"),
    "resources": re.compile(r"^5\. Developer Resources$"),
    "errors": re.compile(r"^6\. Error Codes?$"),
}
#: Table headers, which mark a part when the doc drops its numbered heading.
INPUT_HEADER = re.compile(r"^(?:Parameter(?: Name)? )?Required Type Description$")
OUTPUT_HEADER = re.compile(r"^(?:Parameter(?: Name)? )?Type Description$")
_USED_BY = re.compile(r"^Used by actions?:")
#: Headings after which no action section or data structure continues.
_TERMINATORS = re.compile(r"^(Common Error Codes|Error Codes|Service Error Codes|"
                          r"Error Codes: \w.*)$")


class DocError(SpecError):
    """The doc is not a Tencent API 3.0 product doc, or is cut short; names the line."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the doc: its number (1-based) and its normalised text (tabs kept)."""

    number: int
    text: str

    @property
    def stripped(self) -> str:
        """The text without surrounding blanks, tabs as single spaces."""
        return re.sub(r"[ \t]+", " ", self.text).strip()


@dataclass(slots=True)
class ActionBlock:
    """The lines of one action section, split at its numbered headings."""

    start: Line
    parts: dict[str, list[Line]] = field(default_factory=dict)


@dataclass(slots=True)
class StructBlock:
    """The lines of one data structure: its name line, the lines up to "Used by", its table."""

    name: Line
    intro: list[Line]
    used_by: list[Line]
    body: list[Line]


@dataclass(slots=True)
class Doc:
    """A doc's meaningful lines (noise removed), its action sections and data structures."""

    name: str
    lines: list[Line]
    actions: list[ActionBlock]
    structs: list[StructBlock]
    noise: int
    #: The product's name as the page footers print it, when they do.
    title: str | None = None


def normalise(text: str) -> str:
    """``text`` with look-alike characters replaced and compatibility forms folded."""
    text = text.translate(_LOOKALIKES)
    # NFKC folds full-width colons and no-break spaces, but keep tabs: they separate columns.
    return "\t".join(unicodedata.normalize("NFKC", part) for part in text.split("\t"))


def read_doc(path: Path, name: str | None = None) -> list[Line]:
    """Every line of the doc at ``path``, normalised; DocError when it cannot be read."""
    display = name or path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocError(f"cannot read the doc: {exc.strerror or exc}", file=display) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DocError("not UTF-8 text", file=display, line=line) from None
    return [Line(i, normalise(t.rstrip("\r"))) for i, t in enumerate(text.split("\n"), 1)]


def _heading_lines(lines: Sequence[Line], stamp: int) -> list[int]:
    """Indexes of the running heading above the "Last updated" stamp at ``stamp``.

    The PDF repeats a page's title (an action or section name, under its category) wherever
    the page starts, often inside a table: ``Room Management APIs`` / ``SetUserBlocked`` /
    ``Last updated: ...``. A title is a bare name or a short Title Case phrase; a category
    above it ends in "APIs". Anything else above a stamp is content and is kept.
    """
    found: list[int] = []
    index = stamp - 1
    while index >= 0 and not lines[index].stripped:
        index -= 1
    if index < 0:
        return found
    title = lines[index].stripped
    if not (_IDENT.match(title) or _TITLE.match(title) or _CATEGORY.search(title)
            or re.match(r"^[A-Z][\w-]*(?: [\w-]+){0,3} (APIs|interface) [A-Z]\w*$", title)):
        return found
    found.append(index)
    above = index - 1
    while above >= 0 and not lines[above].stripped:
        above -= 1
    if above >= 0 and (_CATEGORY.search(lines[above].stripped)
                       or lines[above].stripped in ("Server APIs",)):
        found.append(above)
    return found


def strip_noise(lines: Sequence[Line]) -> tuple[list[Line], int, str | None]:
    """The lines without URLs, stamps, running headings, page footers and code fences.

    Blank lines are kept (they end paragraphs). Also returns the count of removed lines and
    the product's name when the page footers repeat it.
    """
    drop: set[int] = set()
    above_footers: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        text = line.stripped
        if _URL.match(text) or _FENCE.match(text):
            drop.add(index)
        elif _STAMP.match(text):
            drop.add(index)
            drop.update(_heading_lines(lines, index))
        elif _FOOTER.match(text):
            drop.add(index)
            above = index - 1
            while above >= 0 and not lines[above].stripped:
                above -= 1
            if above >= 0:
                above_footers.setdefault(lines[above].stripped, []).append(above)
    # The product's name sits above every copyright footer: a line seen there again and again.
    title = None
    for text, where in above_footers.items():
        if len(where) >= 3:
            drop.update(where)
            title = title or text
    kept = [line for index, line in enumerate(lines) if index not in drop]
    return kept, len(drop), title


def _struct_blocks(lines: Sequence[Line]) -> list[tuple[int, int, int]]:
    """(name index, used-by index, body start) of each data structure, in doc order."""
    found: list[tuple[int, int, int]] = []
    for index, line in enumerate(lines):
        if not _USED_BY.match(line.stripped):
            continue
        name_at = None
        seen = 0
        for back in range(index - 1, -1, -1):
            text = lines[back].stripped
            if not text:
                continue
            seen += 1
            if _IDENT.match(text):
                name_at = back
                # "DeadLetterPolicy / DeadLetterPolicy / Used by": the description repeats
                # the name; the struct's name is the first of the two.
                earlier = back - 1
                while earlier >= 0 and not lines[earlier].stripped:
                    earlier -= 1
                if earlier >= 0 and lines[earlier].stripped == text:
                    name_at = earlier
                break
            if seen >= 8:
                break
        if name_at is None:
            continue
        body = index + 1
        # "Used by actions: A, B," wraps: its list ends with a full stop.
        while not lines[body - 1].stripped.endswith(".") and body < len(lines) \
                and lines[body].stripped and body - index < 4:
            body += 1
        found.append((name_at, index, body))
    return found


def sections(name: str, lines: Sequence[Line]) -> Doc:
    """The doc's action sections and data structures; DocError when it has neither shape."""
    kept, noise, title = strip_noise(lines)
    if not any(line.stripped for line in kept):
        raise DocError("the doc is empty", file=name, line=1)
    starts = [i for i, line in enumerate(kept) if line.stripped == API_DESCRIPTION]
    if not starts:
        first = next(line for line in kept if line.stripped)
        raise DocError(f"not a Tencent API 3.0 product doc: no {API_DESCRIPTION!r} section; "
                       f"the first line it could not place is {first.stripped[:60]!r}",
                       file=name, line=first.number)
    structs = _struct_blocks(kept)
    ends = sorted({s[0] for s in structs}
                  | {i for i, line in enumerate(kept) if _TERMINATORS.match(line.stripped)}
                  | set(starts) | {len(kept)})
    actions: list[ActionBlock] = []
    for start in starts:
        end = next(e for e in ends if e > start)
        block = ActionBlock(kept[start])
        part = "description"
        block.parts[part] = []
        for line in kept[start + 1:end]:
            heading = next((key for key, rx in HEADINGS.items() if rx.match(line.stripped)),
                           None)
            if heading is not None and heading not in block.parts:
                part = heading
                block.parts[part] = []
                continue
            if part == "input" and OUTPUT_HEADER.match(line.stripped):
                part = "output"  # the doc dropped "3. Output Parameters"
                block.parts[part] = []
            block.parts[part].append(line)
        for needed in ("input", "output"):
            if needed not in block.parts:
                last = kept[end - 1] if end - 1 > start else kept[start]
                wanted = {"input": "2. Input Parameters", "output": "3. Output Parameters"}
                raise DocError(f"the action section at line {kept[start].number} has no "
                               f"{wanted[needed]!r}: the doc is cut short or not an API 3.0 "
                               f"doc; the first line it could not place is "
                               f"{last.stripped[:60]!r}", file=name, line=last.number)
        actions.append(block)
    blocks: list[StructBlock] = []
    for at, (name_at, used_at, body_at) in enumerate(structs):
        end = next(e for e in ends if e > used_at)
        if at + 1 < len(structs):
            end = min(end, structs[at + 1][0])
        blocks.append(StructBlock(kept[name_at], kept[name_at + 1:used_at],
                                  kept[used_at:body_at], kept[body_at:end]))
    return Doc(name, kept, actions, blocks, noise, title)
