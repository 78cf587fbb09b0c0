"""Records from a doc's sections: actions, members, data structures, codes and examples.

Every record carries ``source: DOC:LINE``. What cannot be read becomes a :class:`Draft` naming
its line; nothing is dropped silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from cmqconform.spec.extract import prose, tables
from cmqconform.spec.extract.doc import ActionBlock, Doc, Line, StructBlock
from cmqconform.spec.extract.tables import Draft, Row

#: The common parameters every action table repeats; the vendor facts hold them.
COMMON_ROWS = ("Action", "Version", "Region")
_ACTION_VALUE = re.compile(r"The value used for this API:\s*(?P<v>[A-Za-z0-9-]+?)\.?(?:\s|$)")
_DOMAIN = re.compile(r"Domain name for API request:\s*(?P<v>[a-z0-9.-]+[a-z])")
_RATE = re.compile(r"A maximum of (?P<v>\d+) requests can be initiated per second")
_REGION_ROW = re.compile(r"^(?P<name>[A-Z][A-Za-z (),.-]+?)\s+(?P<host>[a-z]+\.(?P<id>[a-z]+(?:-"
                         r"[a-z]+)+(?:-\d+)?)\.tencentcloudapi\.com)$")


@dataclass(slots=True)
class Extraction:
    """What one doc yields: the surface's actions, structures, codes, facts and drafts."""

    product: str
    doc: str
    version: tuple[str, int] | None = None
    domain: tuple[str, int] | None = None
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    types: dict[str, dict[str, Any]] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    regions: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The regional host of each region in the doc's endpoint table, and its line.
    hosts: dict[str, tuple[str, int]] = field(default_factory=dict)
    drafts: list[tuple[str, Draft]] = field(default_factory=list)
    #: (source, printed name, name used): OCR slips undone on the examples' evidence.
    respelled: list[tuple[str, str, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    noise: int = 0
    title: str | None = None

    @property
    def api(self) -> str:
        """The surface id the records belong to (``<product>.v3``)."""
        return f"{self.product}.v3"

    def cite(self, line: int) -> str:
        """``DOC:LINE``."""
        return f"{self.doc}:{line}"

    def draft(self, where: str, draft: Draft) -> None:
        """Record a draft found in ``where`` (an action or structure name)."""
        self.drafts.append((where, draft))


def spec_type(doc_type: str) -> str:
    """The spec type of a doc type: ``Array of Filter`` -> ``array<Filter>``."""
    base = doc_type.removeprefix("Array of ")
    name = tables.SCALAR_TYPES.get(base, base)
    return f"array<{name}>" if doc_type.startswith("Array of ") else name


def _member(out: Extraction, owner: str, row: Row, *, request: bool) -> dict[str, Any]:
    type_name = spec_type(row.type)
    item = type_name[6:-1] if type_name.startswith("array<") else None
    record: dict[str, Any] = {"name": row.name.removesuffix(".N"), "type": type_name}
    if request:
        record["required"] = bool(row.required)
    else:
        record["nullable"] = prose.nullable(row.text)
        if row.required is not None:
            record["required"] = row.required
    text = row.text
    if text:
        record["description"] = text
    if request or row.required is not None:
        stated = prose.constraints(prose.Located(row.text_lines), type_name, item)
        for doubt_line, reason in stated.doubts:
            out.draft(owner, Draft(doubt_line, text[:80], f"member {row.name}: {reason}"))
        for kind, value in stated.values.items():
            record[kind] = value
        sources = {_SOURCE_KIND.get(k, k): out.cite(line) for k, line in stated.lines.items()
                   if line != row.line}
        if sources:
            record["sources"] = dict(sorted(sources.items()))
    record["source"] = out.cite(row.line)
    return record


#: A bound's source is cited as the constraint kind the spec format names (``range``).
_SOURCE_KIND = {"min": "range", "max": "range"}


def read_action(out: Extraction, block: ActionBlock, structs: frozenset[str],
                categories: frozenset[str]) -> None:
    """Add the action of ``block`` to ``out`` (or note why the section is not one)."""
    rows, drafts, _, _ = tables.rows(block.parts["input"], structs,
                                       default="name_required_type")
    by_name = {row.name: row for row in rows}
    action_row = by_name.get("Action")
    name, named_at = None, block.start.number
    if action_row is not None:
        located = prose.Located(action_row.text_lines)
        match = _ACTION_VALUE.search(located.text)
        if match:
            name, named_at = match["v"], located.line_at(match.start("v"))
    if name is None:
        out.skipped.append((block.start.number, "no Action row naming the action: not an API "
                                                "3.0 action section"))
        return
    for draft in drafts:
        out.draft(name, draft)
    version_row = by_name.get("Version")
    if version_row is not None:
        match = _ACTION_VALUE.search(version_row.text)
        if match and out.version is None:
            out.version = (match["v"], version_row.line)
    description = prose.Located(block.parts["description"])
    record: dict[str, Any] = {"action": name, "api": out.api, "source": out.cite(named_at)}
    domain = _DOMAIN.search(description.text)
    if domain and out.domain is None:
        out.domain = (domain["v"], description.line_at(domain.start()))
    record["summary"] = _summary(description.text, domain)
    rate = _RATE.search(description.text)
    if rate:
        record["rate_limit"] = {"per_second": int(rate["v"]),
                                "source": out.cite(description.line_at(rate.start()))}
    region_row = by_name.get("Region")
    if region_row is not None:
        only = prose.regions(prose.Located(region_row.text_lines))
        if only is not None:
            record["regions"] = {"only": only[0], "source": out.cite(only[1])}
    record["request"] = [_member(out, name, row, request=True) for row in rows
                         if row.name not in COMMON_ROWS]
    out_rows, out_drafts, _, _ = tables.rows(block.parts["output"], structs,
                                             default="name_type")
    for draft in out_drafts:
        out.draft(name, draft)
    record["response"] = [_member(out, name, row, request=False) for row in out_rows]
    if not any(m["name"] == "RequestId" for m in record["response"]):
        out.draft(name, Draft(block.start.number, name, "no RequestId in the output table"))
    codes = tables.code_rows(block.parts.get("errors", []), categories)
    record["errors"] = [{"code": row.code, "source": out.cite(row.line)} for row in codes]
    for row in codes:
        out.codes.setdefault(row.code, {"code": row.code, "message": row.text,
                                        "sources": []})["sources"].append(out.cite(row.line))
    examples = list(_examples(out, name, block.parts.get("example", []), record["request"]))
    if examples:
        record["examples"] = examples
    if name in out.actions:
        out.draft(name, Draft(block.start.number, name, f"a second section for {name}"))
        return
    out.actions[name] = record


def _summary(text: str, domain: re.Match[str] | None) -> str:
    body = text[domain.end():] if domain else text
    body = body.lstrip(". ")
    for stop in ("A maximum of", "We recommend you to use API Explorer", "We recommend"):
        at = body.find(stop)
        if at > 0:
            body = body[:at]
    return body.strip() or "(no description)"


def read_struct(out: Extraction, block: StructBlock, structs: frozenset[str]) -> None:
    """Add the data structure of ``block`` to ``out``."""
    name = block.name.stripped
    rows, drafts, layout, after = tables.rows(block.body, structs)
    for draft in drafts:
        out.draft(name, draft)
    rest = [line for line in after if line.stripped]
    if rest:
        out.skipped.append((rest[0].number, f"{len(rest)} lines after the table of {name} "
                                            f"are not a data type: {rest[0].stripped[:40]!r}"))
    if layout is None:
        out.draft(name, Draft(block.used_by[0].number, name, "a structure without its table"))
    used_by = tables.join_lines(block.used_by)
    intro = tables.join_lines(block.intro)
    record: dict[str, Any] = {"source": out.cite(block.name.number)}
    if intro and intro != name:
        record["description"] = intro
    actions = re.findall(r"[A-Z][A-Za-z0-9]+", used_by.split(":", 1)[-1])
    if actions:
        record["used_by"] = actions
    record["fields"] = [_member(out, name, row, request=False) for row in rows]
    if name in out.types:
        out.draft(name, Draft(block.name.number, name, f"a second structure called {name}"))
        return
    out.types[name] = record


def read_regions(out: Extraction, lines: Iterable[Line]) -> None:
    """The doc's region table (``North China (Beijing) trtc.ap-beijing.tencentcloudapi.com``)."""
    pending: Line | None = None
    for line in lines:
        if not line.stripped:
            continue
        text = line.stripped
        if pending is not None:
            # "South China (Guangzhou) trtc.ap-" / "guangzhou.tencentcloudapi.com"
            text, line, pending = pending.stripped + text, pending, None
        elif text.endswith("-") and ".tencentcloudapi" not in text:
            pending = line
            continue
        match = _REGION_ROW.match(text)
        if match and match["id"] not in out.regions:
            out.regions[match["id"]] = {"id": match["id"], "name": match["name"].strip(),
                                        "source": out.cite(line.number)}
            out.hosts[match["id"]] = (match["host"], line.number)


# -- examples ------------------------------------------------------------------------------------
_EXAMPLE_TITLE = re.compile(r"^Example\s*(?P<n>\d+)\s*(?P<title>.*)$")


def _examples(out: Extraction, action: str, lines: Sequence[Line],
              request: Sequence[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    groups: list[tuple[Line, list[Line]]] = []
    for line in lines:
        match = _EXAMPLE_TITLE.match(line.stripped)
        if match:
            groups.append((line, []))
        elif groups:
            groups[-1][1].append(line)
    types = {m["name"]: m["type"] for m in request}
    for title_line, body in groups:
        title = _EXAMPLE_TITLE.match(title_line.stripped)
        assert title is not None
        record: dict[str, Any] = {"title": title["title"] or f"Example {title['n']}"}
        texts = [line.stripped for line in body]
        at_input = next((i for i, t in enumerate(texts) if t == "Input Example"), None)
        at_output = next((i for i, t in enumerate(texts) if t == "Output Example"), None)
        if at_input is not None:
            end = at_output if at_output is not None else len(body)
            given = _input(body[at_input + 1:end], types)
            if given is None:
                out.draft(action, Draft(body[at_input].number, "Input Example",
                                        f"example {title['n']}: input it cannot read"))
            else:
                record["input"] = given
        if at_output is not None:
            answer = _json(body[at_output + 1:])
            response = answer.get("Response") if isinstance(answer, dict) else None
            if not isinstance(response, dict):
                out.draft(action, Draft(body[at_output].number, "Output Example",
                                        f"example {title['n']}: output it cannot read as JSON"))
            else:
                record["output"] = response
        record["source"] = out.cite(title_line.number)
        yield record


def _input(lines: Sequence[Line], types: dict[str, str]) -> dict[str, Any] | None:
    text = " ".join(line.stripped for line in lines if line.stripped)
    if text.lstrip("& ") == "<Common request parameters>":
        return {}  # a GET whose URL line (noise) carried only the Action
    if "{" not in text and "=" in text:
        # GET: the URL line itself is noise; its "&Name=value" continuation lines remain.
        query = text.split("?", 1)[-1]
        pairs = [p.strip() for p in re.split(r"\s*&\s*", query) if "=" in p]
        flat = {}
        for pair in pairs:
            key, value = pair.split("=", 1)
            if key in COMMON_ROWS or key.startswith("<"):
                continue
            flat[key.strip()] = unquote_plus(value.strip())
        return _unflatten(flat, types)
    body = [line for line in lines
            if not re.match(r"^[A-Za-z][A-Za-z-]*:\s|^<|^POST / ", line.stripped)]
    parsed = _json(body)
    return parsed if isinstance(parsed, dict) else None


def _scalar(value: str, type_name: str) -> Any:
    if type_name == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if type_name == "float" and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return float(value)
    if type_name == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _unflatten(flat: dict[str, str], types: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        head, _, rest = key.partition(".")
        type_name = types.get(head, "string")
        if not rest:
            out[head] = _scalar(value, type_name)
            continue
        item = type_name[6:-1] if type_name.startswith("array<") else type_name
        index, _, member = rest.partition(".")
        if index.isdigit():
            items = out.setdefault(head, [])
            while len(items) <= int(index):
                items.append({} if member else None)
            if member:
                items[int(index)][member] = _scalar(value, "string")
            else:
                items[int(index)] = _scalar(value, item)
        else:
            out.setdefault(head, {})[rest] = _scalar(value, "string")
    return out


def _json(lines: Sequence[Line]) -> Any:
    """The JSON the lines print, repaired the way the PDF breaks it; None when it is not."""
    text = ""
    for line in lines:
        part = line.text.strip()
        if not part:
            continue
        # A string the PDF wrapped continues on the next line with no break in it.
        text += part if _closers(text).startswith('"') else ("\n" + part if text else part)
    start = min((i for i in (text.find("{"), text.find('"')) if i >= 0), default=-1)
    if start < 0:
        return None
    text = text[start:]
    for cut in ("5. Developer Resources", "Example"):
        at = text.find("\n" + cut)
        if at > 0:
            text = text[:at]
    if not text.lstrip().startswith("{"):
        text = "{" + text
    return _repair(text)


def _repair(text: str) -> Any:
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    for attempt in range(6):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg.startswith("Expecting ',' delimiter") or exc.msg.startswith(
                    "Expecting property name"):
                text = re.sub(r",\s*$", "", text[: exc.pos].rstrip()) + _closers(text[: exc.pos])
            elif exc.msg.startswith("Expecting value") and attempt == 0:
                text = re.sub(r",\s*$", "", text.rstrip()) + _closers(text)
            elif exc.msg.startswith("Extra data"):
                text = text[: exc.pos]
            else:
                text = text.rstrip().rstrip(",") + _closers(text)
    return None


def _closers(text: str) -> str:
    stack: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            if char == '"' and not escaped:
                in_string = False
            escaped = char == "\\" and not escaped
            continue
        if char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]" and stack:
            stack.pop()
    return ('"' if in_string else "") + "".join(reversed(stack))


def read_doc_records(doc: Doc, product: str, categories: frozenset[str]) -> Extraction:
    """Every record of ``doc`` as the product ``product``'s API 3.0 surface."""
    out = Extraction(product, doc.name, noise=doc.noise, title=doc.title)
    structs = frozenset(block.name.stripped for block in doc.structs)
    for block in doc.actions:
        read_action(out, block, structs, categories)
    for struct in doc.structs:
        read_struct(out, struct, structs)
    read_regions(out, doc.lines)
    respell(out)
    return out


def _example_keys(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _example_keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _example_keys(value)


def respell(out: Extraction) -> None:
    """Undo the PDF's l-for-I slip in member names (``Queueld``) where the examples print the
    name with an I; each change is listed in ``out.respelled``."""
    keys = {key for action in out.actions.values() for example in action.get("examples", ())
            for key in _example_keys(example)}
    members = [m for a in out.actions.values() for m in a["request"] + a["response"]]
    members += [m for t in out.types.values() for m in t["fields"]]
    for member in members:
        name = member["name"]
        if name in keys or "l" not in name:
            continue
        fixed = re.sub(r"l(?=d$|d[A-Z])", "I", name)
        if fixed != name and fixed in keys:
            out.respelled.append((member["source"], name, fixed))
            member["name"] = fixed
