"""Rows of the doc's tables, put back together from lines the PDF wrapped.

A parameter table lost its borders: a row is a line that starts with a member name followed by
the row's other columns (``SdkAppId Yes Integer The application ID.``); every line up to the
next row continues its description. A row can itself wrap (``FileNamePrefix`` / ``Array`` /
``of`` / ``String`` / ``No``), so a bare name is tried together with the lines after it. Which
columns a table has is read from its header (``Name Required Type Description``, ``Name Type
Description``, ``Name Type Required Description``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cmqconform.spec.extract.doc import Line

#: Doc type names of scalars, by the spec type they read as.
SCALAR_TYPES = {
    "String": "string", "Integer": "integer", "Int": "integer", "Int64": "integer",
    "UInt64": "integer", "Uint64": "integer", "Boolean": "boolean", "Bool": "boolean",
    "Float": "float", "Double": "float", "Date": "date", "Timestamp": "timestamp",
    "Datetime": "timestamp", "Timestamp ISO8601": "timestamp",
}

_NAME = r"(?P<name>[A-Za-z][A-Za-z0-9_]*(?:\.N)?)"
_TYPE = r"(?P<type>Array of [A-Za-z][A-Za-z0-9]*|Timestamp ISO8601|[A-Z][A-Za-z0-9]*)"
_REQ = r"(?P<required>Yes|No)"
_DESC = r"(?:\s+(?P<text>.*))?"
LAYOUTS = {
    "name_required_type": re.compile(rf"^{_NAME}\s+{_REQ}\s+{_TYPE}{_DESC}$"),
    "name_type_required": re.compile(rf"^{_NAME}\s+{_TYPE}\s+{_REQ}{_DESC}$"),
    "name_type": re.compile(rf"^{_NAME}\s+{_TYPE}{_DESC}$"),
}
_HEADERS = (
    (re.compile(r"^(?:Parameter(?: Name)? |Name )?Required Type Description$"),
     "name_required_type"),
    (re.compile(r"^(?:Parameter(?: Name)? |Name )?Type Required Description$"),
     "name_type_required"),
    (re.compile(r"^(?:Parameter(?: Name)? |Name )?Type Description$"), "name_type"),
)
#: Header fragments a wrapped header leaves on lines of their own.
_HEADER_WORDS = {"Parameter", "Name", "Parameter Name", "Required", "Type", "Description"}
#: The start of a row the PDF wrapped: a name, maybe its flag and a cut-off "Array of".
_ROW_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.N)?(?: (?:Yes|No|Array|of|Array of"
                         r"|[A-Z][A-Za-z0-9]*))?(?: (?:Yes|No|Array|of|Array of))*$")
#: A section heading: a few Title Case words, no sentence ("SDK Event Mapping Table").
_HEADING = re.compile(r"^[A-Z][A-Za-z0-9-]*(?: [A-Z][A-Za-z0-9-]*){1,6}$")
#: "Name Yes Unix timestamp": a row whose type is not a type name.
_ROW_LIKE = re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9_]*(?:\.N)?)\s+(?P<required>Yes|No)\s+"
                       r"(?P<type>\S.*?)$")


@dataclass(slots=True)
class Row:
    """One table row: member name, required flag (when the table has one), doc type, text."""

    name: str
    type: str
    required: bool | None
    line: int
    text_lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The description, its wrapped lines joined (a hyphen at a line end joins words)."""
        return join_lines(self.text_lines)


@dataclass(frozen=True, slots=True)
class Draft:
    """A record the extractor found but could not read: the line, its text and why."""

    line: int
    text: str
    reason: str


def join_lines(lines: Iterable[Line]) -> str:
    """Wrapped lines as one text: ``ap-`` + ``guangzhou`` is ``ap-guangzhou``."""
    out = ""
    for line in lines:
        text = line.stripped
        if not text:
            continue
        if out.endswith("-") and re.match(r"^[a-z0-9]", text):
            out += text
        else:
            out = f"{out} {text}" if out else text
    return out


def layout_of(text: str) -> str | None:
    """The column layout a header line announces, or None when it is not a header."""
    for pattern, layout in _HEADERS:
        if pattern.match(text):
            return layout
    return None


def known_type(doc_type: str, structs: Iterable[str]) -> bool:
    """Whether ``doc_type`` names a scalar, a documented struct, or an array of one."""
    base = doc_type.removeprefix("Array of ")
    return base in SCALAR_TYPES or base in set(structs)


def _match(text: str, layout: str, structs: frozenset[str]) -> re.Match[str] | None:
    match = LAYOUTS[layout].match(text)
    if match is None or not known_type(match.group("type"), structs):
        return None
    return match


def rows(lines: Sequence[Line], structs: frozenset[str], *, default: str | None = None
         ) -> tuple[list[Row], list[Draft], str | None, Sequence[Line]]:
    """The rows of the table in ``lines`` and the lines it could not read.

    The header sets the layout; lines before it are the table's introduction and are skipped.
    When the PDF scrambled the header, ``default`` is the layout (the table's known shape).
    Returns the rows, the drafts, the layout used and the lines after the table's end (a
    heading after a finished row ends it).
    """
    found: list[Row] = []
    drafts: list[Draft] = []
    index = 0
    layout = None
    while index < len(lines) and layout is None:
        layout = layout_of(lines[index].stripped)
        index += 1
    if layout is None:
        if default is None:
            return found, drafts, None, ()
        layout, index = default, 0
    while index < len(lines):
        line = lines[index]
        text = line.stripped
        if not text or (not found and text in _HEADER_WORDS) or layout_of(text):
            index += 1
            continue
        match = _match(text, layout, structs)
        used = 1
        if match is None and _ROW_PREFIX.match(text):
            # A wrapped row: "FileNamePrefix" / "Array" / "of" / "String" / "No" / text.
            joined, taken = text, index + 1
            while taken < len(lines) and taken - index <= 8 and match is None:
                more = lines[taken].stripped
                taken += 1
                if not more:
                    continue
                joined = f"{joined} {more}"
                match = _match(joined, layout, structs)
                if match is not None:
                    used = taken - index
        if match is not None:
            required = match.groupdict().get("required")
            row = Row(match.group("name"), match.group("type"),
                      None if required is None else required == "Yes", line.number)
            if match.group("text"):
                row.text_lines.append(Line(line.number, match.group("text")))
            found.append(row)
            index += used
            continue
        scattered = _scattered_row(line, lines[index + 1:index + 11], layout, structs) \
            if _row_start(text) else None
        if scattered is not None:
            row, used = scattered
            found.append(row)
            index += used
            continue
        if found and found[-1].text.endswith((".", ")")) and _HEADING.match(text):
            # A heading after a finished description: the doc moved on (an appendix after the
            # last data type); what follows is not this table's.
            return found, drafts, layout, lines[index:]
        if _row_start(text):
            # "Name Array" that nothing completes: a row, not the previous row's description.
            drafts.append(Draft(line.number, text, f"member {text.split()[0]}: a row it "
                                                   f"cannot reassemble"))
            index += 1
            continue
        odd = _ROW_LIKE.match(text) if layout == "name_required_type" else None
        late = _late_item_type(odd, lines[index + 1:index + 7], structs) if odd else None
        if odd is not None and late is not None:
            # "BindingKey.N No Array of <text>" ... "String <more text>": the item type was
            # pushed below the start of the description.
            at, item, rest = late
            row = Row(odd.group("name"), f"Array of {item}", odd.group("required") == "Yes",
                      line.number)
            row.text_lines.append(Line(line.number, re.sub(r"^Array(?: of)?", "",
                                                           odd.group("type"))))
            row.text_lines.extend(x for x in lines[index + 1:index + 1 + at]
                                  if x.stripped != "of")
            row.text_lines.append(Line(lines[index + 1 + at].number, rest))
            found.append(row)
            index += at + 2
            continue
        if odd is not None and not known_type(odd.group("type").split(" ")[0], structs):
            drafts.append(Draft(line.number, text,
                                f"member {odd.group('name')}: unknown type "
                                f"{odd.group('type').split('  ')[0]!r}"))
            index += 1
            continue
        last = drafts[-1] if drafts and drafts[-1].reason.startswith("member ") else None
        if last is not None and (not found or last.line > found[-1].line):
            # The description of a row it could not read stays with that row's draft.
            drafts[-1] = Draft(last.line, f"{last.text} {text}", last.reason)
        elif found:
            found[-1].text_lines.append(line)
        else:
            drafts.append(Draft(line.number, text, "a line before the table's first row"))
        index += 1
    return found, drafts, layout, ()


def _row_start(text: str) -> bool:
    """A name followed by row words only (``UserIds.N Yes Array``): the start of a row."""
    return bool(_ROW_PREFIX.match(text) and re.search(r" (?:Yes|No|Array|of)\b", text))


def _scattered_row(first: Line, after: Sequence[Line], layout: str,
                   structs: frozenset[str]) -> tuple[Row, int] | None:
    """A row whose columns the PDF scattered over the lines after its name.

    ``UnSubscribeAudioUserIds Array`` / ``of`` / ``No The blocklist ...`` / `` String audios of
    ...``: the name starts it, "of" and the Required flag follow on lines of their own or at the
    start of the description, and the item type comes back indented inside the description.
    Returns the row and how many lines it used, or None when the pieces do not add up.
    """
    name, *keywords = first.stripped.split()
    if "Array" not in keywords:
        return None
    flags = [k for k in keywords if k in ("Yes", "No")]
    required: bool | None = flags[0] == "Yes" if flags else None
    item = None
    text: list[Line] = []
    for used, line in enumerate(after, 2):
        words = line.stripped
        if not words or words in ("of", "Array", "Array of"):
            continue
        flag = re.match(r"^(Yes|No)(?:\s+(.*))?$", words)
        head, _, rest = words.partition(" ")
        if flag and required is None and "required" in layout:
            required = flag.group(1) == "Yes"
            if flag.group(2):
                text.append(Line(line.number, flag.group(2)))
        elif item is None and known_type(head, structs) and line.text[:1] in ("\t", " "):
            item = head
            if rest:
                text.append(Line(line.number, rest))
        elif _ROW_LIKE.match(words) or _row_start(words):
            return None
        else:
            text.append(line)
        if item is not None and (required is not None or "required" not in layout):
            row = Row(name, f"Array of {item}", required, first.number, text)
            return row, used
    return None


def _late_item_type(odd: re.Match[str], after: Sequence[Line],
                    structs: frozenset[str]) -> tuple[int, str, str] | None:
    """Where a row cut after "Array of" resumes: (offset, item type, rest of that line)."""
    if not re.match(r"^Array(?: of)?(?: |$)", odd.group("type")) \
            or known_type(odd.group("type"), structs):
        return None
    for at, line in enumerate(after):
        head, _, rest = line.stripped.partition(" ")
        if head and known_type(head, structs) and (line.text.startswith(("\t", " "))
                                                   or not rest):
            return at, head, rest
        if _ROW_LIKE.match(line.stripped):
            return None
    return None


@dataclass(slots=True)
class CodeRow:
    """One row of an error-code table: the code and its description."""

    code: str
    line: int
    text_lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The description, its wrapped lines joined."""
        return join_lines(self.text_lines)


_CODE = re.compile(r"^(?P<code>[A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9_]+)*)(?:\s+(?P<text>.*))?$")


def code_rows(lines: Sequence[Line], categories: frozenset[str]) -> list[CodeRow]:
    """The rows of an error-code table; it ends at the first line that is neither a row nor
    the rest of an unfinished description.

    A code row starts with a code whose first part is a known category (``FailedOperation``);
    a wrapped description continues only while its sentence is unfinished.
    """
    found: list[CodeRow] = []
    started = False
    for line in lines:
        text = line.stripped
        if not text:
            continue
        if not started:
            started = text.startswith("Error Code") and text.endswith("Description")
            continue
        if text.startswith("Error Code") and text.endswith("Description"):
            continue
        match = _CODE.match(text)
        if match and match.group("code").split(".")[0] in categories:
            row = CodeRow(match.group("code"), line.number)
            if match.group("text"):
                row.text_lines.append(Line(line.number, match.group("text")))
            found.append(row)
            continue
        if found and not found[-1].text.rstrip().endswith((".", "!")):
            found[-1].text_lines.append(line)
            continue
        break
    return found
