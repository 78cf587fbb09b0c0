"""``cmqconform compare``: targets side by side per action, parameter and error code; CI gate.

Each results.json is one column. Rows are grouped three ways: by action, by parameter (the clause
ids ``<api>.<Action>.<Param>.<kind>`` a case tests) and by the error outcome a case expects. A cell
is the pass rate of that row's cases on that target (pass and xfail over every case that ran).

With ``--baseline BASE.json`` the command is a regression gate: it lists every case (by surface
and id) that passed in the baseline and fails or errors now, and exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmqconform.dialects.redaction import env_secrets, redact_text
from cmqconform.models import SpecSet
from cmqconform.reporting.view import CaseView, Tally, case_views, load_results, target_name

#: Row groups, in output order, with their headings.
GROUPS = (("product", "Products"), ("surface", "Surfaces"), ("action", "Actions"),
          ("param", "Parameters"), ("error", "Error codes"))
#: The label of a product's and a surface's row (every case of it).
ALL_CASES = "all cases"


@dataclass(frozen=True, slots=True)
class Column:
    """One target: its display name, the file it came from and its cases."""

    name: str
    path: str
    cases: tuple[CaseView, ...]


@dataclass(frozen=True, slots=True)
class Row:
    """One matrix row: its group, surface, label, and a tally per column (None: no cases)."""

    group: str
    api: str
    label: str
    cells: tuple[Tally | None, ...]

    @property
    def differs(self) -> bool:
        """Whether the targets disagree on this row (different pass rates, or missing cases)."""
        return len({c.rate if c else None for c in self.cells}) > 1


@dataclass(frozen=True, slots=True)
class Regression:
    """A case that passed in the baseline and fails or errors in a later run."""

    target: str
    api: str
    case_id: str
    verdict: str
    message: str
    #: The case's verdict in the baseline (``pass``, or ``skip``/``disabled`` now failing).
    was: str = "pass"


#: Baseline verdicts after which a fail or an error is a regression: the case did not fail there.
NOT_FAILING = ("pass", "skip", "disabled", "xpass")


def load_columns(paths: Sequence[str | Path]) -> list[Column]:
    """Read every results document (ResultsError naming the file on failure) as a column."""
    from cmqconform.reporting.view import clause_index

    clauses = clause_index()
    secrets = env_secrets()
    columns: list[Column] = []
    for path in paths:
        doc = load_results(path)
        name = redact_text(target_name(doc, Path(path).stem), secrets)
        if any(c.name == name for c in columns):
            # results.json files differ by folder (reports/main, reports/pr), not by name.
            name = f"{name} ({Path(path).parent.name or Path(path).name})"
        columns.append(Column(name, str(path), tuple(case_views(doc, clauses, secrets))))
    return columns


def _params(specs: SpecSet | None) -> dict[tuple[str, str], set[str]]:
    if specs is None:
        return {}
    return {(api, name): {p.name for p in action.request}
            for api, spec in specs.apis.items() for name, action in spec.actions.items()}


def row_keys(case: CaseView, params: Mapping[tuple[str, str], set[str]]) -> list[tuple[str, str]]:
    """The (group, label) rows a case counts in: its product's, its surface's, its action's,
    its parameters' and its expected error's."""
    keys = [("product", ALL_CASES), ("surface", ALL_CASES), ("action", case.action)]
    known = params.get((case.api, case.action))
    for ref in case.clauses:
        parts = ref.id[len(case.api) + 1:].split(".") if ref.id.startswith(case.api + ".") else []
        if len(parts) == 3 and parts[0] == case.action and (
                parts[1] in known if known is not None else parts[1] not in ("rule", "response")):
            keys.append(("param", f"{case.action}.{parts[1]}"))
    expected = case.expected.strip()
    if expected and expected != "success":
        keys.append(("error", " | ".join(sorted(set(expected.split("|"))))))
    return list(dict.fromkeys(keys))


def matrix(columns: Sequence[Column], specs: SpecSet | None = None) -> list[Row]:
    """Every row of the matrix, grouped (products, surfaces, actions, parameters, error codes)
    and sorted."""
    if specs is None:
        from cmqconform.reporting.html import specs_or_none

        specs = specs_or_none()
    params = _params(specs)
    verdicts: dict[tuple[str, str, str], list[list[str]]] = defaultdict(
        lambda: [[] for _ in columns])
    for index, column in enumerate(columns):
        for case in column.cases:
            for group, label in row_keys(case, params):
                # A surface id starts with its product's id (specs/<product>/product.yaml).
                where = case.api.split(".")[0] if group == "product" else case.api
                verdicts[group, where, label][index].append(case.verdict)
    order = {g: i for i, (g, _) in enumerate(GROUPS)}
    rows = [Row(group, api, label, tuple(Tally.of(v) if v else None for v in per_column))
            for (group, api, label), per_column in verdicts.items()]
    return sorted(rows, key=lambda r: (order[r.group], r.api, r.label))


def regressions(baseline: Column, columns: Sequence[Column]) -> list[Regression]:
    """Cases that passed (or were skipped or disabled) in ``baseline`` and fail or error in any
    of ``columns``."""
    before = {case.key: case.verdict for case in baseline.cases if case.verdict in NOT_FAILING}
    out = []
    for column in columns:
        for case in column.cases:
            if case.key in before and case.verdict in ("fail", "error"):
                out.append(Regression(column.name, case.api, case.id, case.verdict,
                                      case.message or f"expected {case.expected}; "
                                      f"received {case.received}", before[case.key]))
    return sorted(out, key=lambda r: (r.target, r.api, r.case_id))


def cell_text(tally: Tally | None) -> str:
    """``96.3% (26/27)``, ``skip`` when nothing ran, ``—`` when the target has no such case."""
    if tally is None:
        return "—"
    if tally.rate is None:
        return tally.worst or "—"
    return f"{tally.rate * 100:.0f}% ({tally.passed}/{tally.ran})"


def cell_class(tally: Tally | None) -> str:
    """CSS class of a cell: by pass rate band."""
    if tally is None or tally.rate is None:
        return "none"
    if tally.rate >= 1:
        return "full"
    return "high" if tally.rate >= 0.9 else "mid" if tally.rate >= 0.5 else "low"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(columns: Sequence[Column], rows: Sequence[Row],
                    found: Sequence[Regression] | None) -> str:
    """The matrix (and the regressions, when gated) as GitHub-flavoured markdown."""
    heads = " | ".join(_md_escape(c.name) for c in columns)
    lines = ["# Conformance: targets compared", "",
             "Cells: pass rate among cases that ran (passed/ran); — the target has no such case.",
             ""]
    lines += [f"- `{_md_escape(c.name)}`: {c.path}, {len(c.cases)} cases" for c in columns]
    if found is not None:
        lines += ["", f"## Regressions against the baseline ({len(found)})", ""]
        lines += [f"- **{r.verdict}** `{r.api}` `{r.case_id}` on {_md_escape(r.target)}: "
                  f"{_md_escape(r.message)}" for r in found] or ["None."]
    for group, heading in GROUPS:
        group_rows = [r for r in rows if r.group == group]
        if not group_rows:
            continue
        lines += ["", f"## {heading}", "", f"| surface | {heading.lower().rstrip('s')} | {heads} |",
                  "|---|---|" + "---:|" * len(columns)]
        for row in group_rows:
            cells = " | ".join(cell_text(c) for c in row.cells)
            mark = " ≠" if row.differs else ""
            lines.append(f"| {row.api} | {_md_escape(row.label)}{mark} | {cells} |")
    return "\n".join(lines) + "\n"


def render_compare_html(columns: Sequence[Column], rows: Sequence[Row],
                        found: Sequence[Regression] | None) -> str:
    """The matrix as one self-contained HTML page."""
    from cmqconform.reporting.html import environment

    env = environment()
    env.filters["cell_text"] = cell_text
    env.filters["cell_class"] = cell_class
    groups = [(heading, [r for r in rows if r.group == group]) for group, heading in GROUPS]
    return env.get_template("compare.html.j2").render(
        columns=columns, groups=[g for g in groups if g[1]], regressions=found)


def run_compare(args: argparse.Namespace) -> int:
    """Entry point of ``cmqconform compare``; 1 when the baseline gate finds regressions."""
    paths = ([args.baseline] if args.baseline else []) + list(args.results)
    columns = load_columns(paths)
    if args.baseline:
        from cmqconform.reporting.gate import gate_lines

        refused, notes = gate_lines(list(args.results), [load_results(p) for p in args.results],
                                    load_results(args.baseline), subset=args.subset)
        secrets = env_secrets()
        for line in (*refused, *notes):
            print(f"cmqconform compare: {redact_text(line, secrets)}", file=sys.stderr)
        if refused:
            return 2
    found = regressions(columns[0], columns[1:]) if args.baseline else None
    rows = matrix(columns)
    fmt = args.format or ("html" if args.output and str(args.output).endswith(".html") else "md")
    text = (render_compare_html if fmt == "html" else render_markdown)(columns, rows, found)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if found:
        print(f"{len(found)} regression(s) against {args.baseline}:", file=sys.stderr)
        for r in found:
            was = "" if r.was == "pass" else f" (was {r.was} in the baseline)"
            print(f"  {r.verdict.upper()} {r.api} {r.case_id} [{r.target}]{was}: {r.message}",
                  file=sys.stderr)
        return 1
    if args.baseline:
        print(f"no regression against {args.baseline}", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    """Add the ``compare`` subcommand to the CLI's subparsers."""
    parser = sub.add_parser(
        "compare", help="matrix of targets × actions, parameters and error codes; CI gate",
        description="Targets side by side: one column per results.json, rows per product, "
                    "surface, action, parameter and expected error code. With --baseline, a CI "
                    "gate: exit 1 on a regression, 2 on a run it cannot judge (0 cases, "
                    "interrupted, a -k subset, baseline cases missing; --subset declares one).")
    parser.add_argument("results", nargs="+", metavar="RESULTS.json",
                        help="results.json of each target (one column each)")
    parser.add_argument("--baseline", metavar="BASE.json",
                        help="regression gate: exit 1 when a case that passed (or was skipped) "
                             "here now fails or errors; exit 2, one line each, when a run is "
                             "unfit to judge (0 cases, interrupted, results missing, a -k "
                             "subset, baseline cases missing)")
    parser.add_argument("--subset", action="store_true",
                        help="with --baseline: the runs are a declared subset (-k, --lf, one "
                             "product): gate the cases they hold, count the missing ones")
    parser.add_argument("--format", choices=["md", "html"],
                        help="output format (default: html when --output ends in .html, else md)")
    parser.add_argument("--output", "-o", metavar="PATH", help="write here instead of stdout")
    parser.set_defaults(func=run_compare)
