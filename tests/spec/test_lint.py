"""``spec lint`` finds each planted defect and names its file:line and rule."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cmqconform.cli import main
from cmqconform.errors import SpecError
from cmqconform.models import Cite, ParamSpec
from cmqconform.spec import load_specs
from cmqconform.spec.lint import Linter
from tests.spec.conftest import SpecTree

CQ = "v3/CreateQueue.yaml"
Defect = Callable[[SpecTree], tuple[str, int, str]]


def _param_line(tree: SpecTree, rel: str, name: str, key: str | None = None) -> int:
    item = tree.item(rel, "request", name)
    return item.line_of(key) if key else item.line


def bad_yaml(tree: SpecTree) -> tuple[str, int, str]:
    line = tree.replace(CQ, "action: CreateQueue", "action: CreateQueue: [oops")
    return CQ, line, "yaml.syntax"


def wrong_type(tree: SpecTree) -> tuple[str, int, str]:
    line = _param_line(tree, CQ, "QueueName", "required")
    tree.replace(CQ, "required: true", 'required: "yes"')
    return CQ, line, "meta.type"


def unknown_type(tree: SpecTree) -> tuple[str, int, str]:
    line = _param_line(tree, CQ, "QueueName")
    tree.replace(CQ, "type: string", "type: NoSuchType")
    return CQ, line, "ref.type"


def unknown_error_code(tree: SpecTree) -> tuple[str, int, str]:
    code = tree.doc(CQ)["errors"][0]
    tree.replace(CQ, f"{{code: {code['code']},", "{code: NoSuchCode,")
    return CQ, code.line, "ref.error"


def duplicate_clause_id(tree: SpecTree) -> tuple[str, int, str]:
    # Two explicit clauses with one id derive the same full id.
    text = tree.path(CQ).read_text(encoding="utf-8").rstrip("\n")
    clause = "  - {id: dup_clause, category: semantics, text: dup, source: cmq-api.txt:3533}\n"
    head = "\n" if "\nclauses:" in text else "\nclauses:\n"
    body = text + head + clause + clause
    tree.path(CQ).write_text(body, encoding="utf-8")
    return CQ, body.count("\n"), "clause.unique"


def min_above_max(tree: SpecTree) -> tuple[str, int, str]:
    line = _param_line(tree, CQ, "VisibilityTimeout")
    tree.replace(CQ, "min: 1\n    max: 43200", "min: 50000\n    max: 43200")
    return CQ, line, "range.order"


def default_out_of_range(tree: SpecTree) -> tuple[str, int, str]:
    line = _param_line(tree, CQ, "VisibilityTimeout")
    tree.replace(CQ, "max: 43200\n    default: 30", "max: 43200\n    default: 50000")
    return CQ, line, "range.default"


def unknown_erratum(tree: SpecTree) -> tuple[str, int, str]:
    line = _param_line(tree, CQ, "PollingWaitSeconds")
    tree.replace(CQ, "errata: polling-wait-range", "errata: no-such-erratum")
    return CQ, line, "ref.errata"


def citation_past_eof(tree: SpecTree) -> tuple[str, int, str]:
    line = _param_line(tree, CQ, "VisibilityTimeout")
    source = tree.item(CQ, "request", "VisibilityTimeout")["source"]
    tree.replace(CQ, f"source: {source}", "source: cmq-api.txt:99999")
    return CQ, line, "cite.line"


def citation_not_mentioning(tree: SpecTree) -> tuple[str, int, str]:
    line = _param_line(tree, CQ, "VisibilityTimeout")
    source = tree.item(CQ, "request", "VisibilityTimeout")["source"]
    tree.replace(CQ, f"source: {source}", "source: cmq-api.txt:10")
    return CQ, line, "cite.mismatch"


def action_name_mismatch(tree: SpecTree) -> tuple[str, int, str]:
    line = tree.replace(CQ, "action: CreateQueue", "action: CreateQueues")
    return CQ, line, "layout.name"


def api_folder_mismatch(tree: SpecTree) -> tuple[str, int, str]:
    line = tree.replace("v3/errors.yaml", "api: cmq.v3", "api: cmq.legacy")
    return "v3/errors.yaml", line, "layout.api"


def unknown_pattern(tree: SpecTree) -> tuple[str, int, str]:
    line = _param_line(tree, CQ, "QueueName", "pattern")
    tree.replace(CQ, "pattern: resource_name", "pattern: no_such_pattern")
    return CQ, line, "ref.pattern"


def duplicate_parameter(tree: SpecTree) -> tuple[str, int, str]:
    line = _param_line(tree, CQ, "PollingWaitSeconds")
    tree.replace(CQ, "- name: PollingWaitSeconds", "- name: QueueName")
    return CQ, line, "name.unique"


def v3_param_with_array(tree: SpecTree) -> tuple[str, int, str]:
    line = _param_line(tree, CQ, "QueueName")
    tree.replace(CQ, "pattern: resource_name", "pattern: resource_name\n    array: {bases: [0]}")
    return CQ, line, "v3.array"


def legacy_array_without_encoding(tree: SpecTree) -> tuple[str, int, str]:
    rel = "legacy/BatchSendMessage.yaml"
    param = next(p for p in tree.doc(rel)["request"] if "array" in p)
    tree.replace(rel, "    array: {bases: [0, 1]}\n", "")
    return rel, param.line, "legacy.array"


def condition_cite_mismatch(tree: SpecTree) -> tuple[str, int, str]:
    # unknown_action is an API 3.0 condition: it lives in the shared vendor errors.yaml.
    rel = "vendors/tencent/api3/errors.yaml"
    conditions = tree.doc(rel)["conditions"]
    line = conditions.line_of("unknown_action")
    source = conditions["unknown_action"]["source"]
    tree.replace(rel, f"unknown_action: {{accept: [{{code: InvalidAction}}], source: {source}}}",
                 "unknown_action: {accept: [{code: InvalidAction}], source: cmq-api.txt:10}")
    return rel, line, "cite.mismatch"


def clause_unknown_condition(tree: SpecTree) -> tuple[str, int, str]:
    rel = "legacy/GetQueueAttributes.yaml"
    clause = next(c for c in tree.doc(rel)["clauses"] if c.get("condition"))
    tree.replace(rel, "condition: queue_not_found", "condition: no_such_condition")
    return rel, clause.line, "ref.condition"


def legacy_action_without_host(tree: SpecTree) -> tuple[str, int, str]:
    # cmq.legacy has a queue and a topic host (product.yaml endpoints): each action names one.
    rel = "legacy/SendMessage.yaml"
    tree.replace(rel, "host: queue\n", "")
    return rel, tree.doc(rel).line, "ref.host"


def action_with_unknown_host(tree: SpecTree) -> tuple[str, int, str]:
    # cmq.v3 has one host: an action there names none.
    tree.replace(CQ, "summary:", "host: queue\nsummary:")
    return CQ, tree.doc(CQ).line, "ref.host"


def legacy_action_without_error_tables(tree: SpecTree) -> tuple[str, int, str]:
    # No cmq.legacy table is answered by every action: each action names its tables.
    rel = "legacy/DeleteMessage.yaml"
    tree.replace(rel, "error_tables: [common, queue_common, module]\n", "")
    return rel, tree.doc(rel).line, "ref.error_table"


def rate_cost_unknown_member(tree: SpecTree) -> tuple[str, int, str]:
    # A batch's rate units name a request member: a typo is a problem at the clause.
    rel = "legacy/BatchSendMessage.yaml"
    line = tree.doc(rel)["rate_cost"].line
    tree.replace(rel, "rate_cost: {items: msgBody,", "rate_cost: {items: msgBodies,")
    return rel, line, "reference.rate_cost"


def resource_undo_unknown_action(tree: SpecTree) -> tuple[str, int, str]:
    # The pool sends the actions product.yaml names for a kind: a typo is a problem at its
    # line, not an error in the middle of a run.
    rel = "product.yaml"
    line = tree.replace(rel, "action: {cmq.v3: UnbindDeadLetter}",
                        "action: {cmq.v3: UnbindDeadLeter}")
    return rel, line, "ref.action"


def resource_create_unknown_surface(tree: SpecTree) -> tuple[str, int, str]:
    rel = "product.yaml"
    create = tree.doc(rel)["resources"]["queue"]
    tree.replace(rel, "cmq.v3: CreateQueue", "cmq.v9: CreateQueue")
    return rel, create.line_of("create"), "ref.action"


DEFECTS: list[Defect] = [
    bad_yaml, wrong_type, unknown_type, unknown_error_code, duplicate_clause_id, min_above_max,
    default_out_of_range, unknown_erratum, citation_past_eof, citation_not_mentioning,
    action_name_mismatch, api_folder_mismatch, unknown_pattern, duplicate_parameter,
    v3_param_with_array, legacy_array_without_encoding, condition_cite_mismatch,
    clause_unknown_condition, legacy_action_without_host, action_with_unknown_host,
    legacy_action_without_error_tables, rate_cost_unknown_member, resource_undo_unknown_action,
    resource_create_unknown_surface,
]


@pytest.mark.parametrize("defect", DEFECTS, ids=lambda d: d.__name__)
def test_each_defect_is_reported_at_its_file_line_and_rule(
        defect: Defect, tree: SpecTree, new_problems: Callable[[], list[SpecError]]) -> None:
    rel, line, rule = defect(tree)
    found = new_problems()
    wanted = SpecTree.display(rel)
    assert any(p.file == wanted and p.line == line and p.rule == rule for p in found), (
        f"expected {wanted}:{line} [{rule}]; got:\n" + "\n".join(map(str, found)))
    # The defect is reported where it is, not as noise in other files.
    assert {p.file for p in found} == {wanted}


def test_problem_text_names_file_line_and_rule(tree: SpecTree,
                                               new_problems: Callable[[], list[SpecError]]
                                               ) -> None:
    rel, line, rule = min_above_max(tree)
    problem = next(p for p in new_problems() if p.rule == rule)
    assert str(problem).startswith(f"specs/cmq/{rel}:{line}: VisibilityTimeout: min 50000 > max")
    assert str(problem).endswith(f"[{rule}]")


def test_cli_lint_exit_codes(tree: SpecTree, baseline: set[str],
                             capsys: pytest.CaptureFixture[str]) -> None:
    clean = main(["--specs", str(tree.root), "spec", "lint"])
    assert clean == (1 if baseline else 0)
    capsys.readouterr()
    unknown_erratum(tree)
    assert main(["--specs", str(tree.root), "spec", "lint"]) == 1
    out, err = capsys.readouterr()
    assert "[ref.errata]" in out
    assert "problem(s)" in err


def test_cli_lint_of_the_project_specs_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "lint"]) == 0
    assert capsys.readouterr().out.strip() == "specs OK"


@pytest.mark.parametrize(("value", "rule", "kind"), [
    ("a" * 65, "range.default", "max_length"), ("9abc", "range.default", "pattern"),
    ("other", "range.default", "enum"), (5, "range.type", "type"), ("abc", None, None),
])
def test_defaults_and_enum_values_meet_every_constraint(value: object, rule: str | None,
                                                        kind: str | None) -> None:
    """check_value asks the constraint evaluator: lengths, pattern and enum, not only range."""
    param = ParamSpec("Name", "string", False, Cite("cmq-api.txt", 1), "Name", max_length=64,
                      pattern="^[A-Za-z][A-Za-z0-9-]{0,63}$", enum=("abc", "a" * 65, "9abc"))
    problems = list(Linter(load_specs()).check_value(param, value, "default"))
    if rule is None:
        assert problems == []
    else:
        assert problems[0].rule == rule
        assert any(f"Name: default breaks {kind}: " in str(p) for p in problems)


def test_a_spec_file_that_is_not_utf8_is_one_problem_at_its_line(
        tree: SpecTree, new_problems: Callable[[], list[SpecError]]) -> None:
    path = tree.path("v3/CreateQueue.yaml")
    path.write_bytes(path.read_bytes() + b"bad: \xff\n")
    lines = path.read_bytes().count(b"\n")
    problems = [p for p in new_problems() if p.rule == "yaml.encoding"]
    assert [str(p) for p in problems] == [
        f"specs/cmq/v3/CreateQueue.yaml:{lines}: not UTF-8 text (byte 0xff) [yaml.encoding]"]
