"""ROMA Connect MQS message query: what a time range, a page, a filter, asc and the content query
answer, judged against the whole topic as the topic-only query returns it
(huawei-mqs-query-messages.txt:7-161; readings in specs/roma/errata.yaml)."""

from __future__ import annotations

from typing import Any

import pytest
from roma_steps import API, CLAUSE, Roma, ident

#: Messages per page in the pagination scenario (small: several pages over any test topic).
PAGE = 3


@pytest.mark.clause("roma.v2.ShowMqsInstanceMessages.topic_only",
                    "roma.v2.ShowMqsInstanceMessages.total_and_size",
                    "roma.v2.ShowMqsInstanceMessages.status",
                    "roma.v2.protocol.no_envelope")
def test_topic_only_answers_every_message(roma: Roma, roma_all: list[dict[str, Any]]) -> None:
    """The topic alone answers its every message, each once; total and size count them."""
    got = roma.ok("topic-only query")
    data = got.data
    assert set(data) <= {"messages", "total", "size"}, (
        f"{CLAUSE}: a success is the bare body ({API}.protocol.no_envelope); got {sorted(data)}")
    ids = [ident(m) for m in data["messages"]]
    assert len(ids) == len(set(ids)), f"{CLAUSE}.topic_only: a message is answered twice"
    assert data["total"] == data["size"] == len(ids), (
        f"{CLAUSE}.total_and_size: total={data['total']} size={data['size']} for "
        f"{len(ids)} messages")
    assert got.request_id is None


@pytest.mark.clause("roma.v2.ShowMqsInstanceMessages.time_range")
def test_time_range_is_exactly_the_messages_in_it(roma: Roma,
                                                  roma_all: list[dict[str, Any]]) -> None:
    """A range whose ends are two messages' timestamps answers exactly the messages in it."""
    stamps = sorted({int(m["timestamp"]) for m in roma_all})
    start, end = stamps[1], stamps[-2]
    want = {ident(m) for m in roma_all if start <= int(m["timestamp"]) <= end}
    got = roma.ok("time range", start_time=start, end_time=end)
    have = {ident(m) for m in got.data["messages"]}
    assert have == want, (f"{CLAUSE}.time_range {start}..{end}: missing {sorted(want - have)}, "
                          f"extra {sorted(have - want)}")
    before = roma.ok("time range before every message", start_time=0, end_time=stamps[0] - 1)
    assert before.data["messages"] == [] and before.data["total"] == 0, (
        f"{CLAUSE}.time_range: a range before every message answered "
        f"{len(before.data['messages'])}")


@pytest.mark.clause("roma.v2.ShowMqsInstanceMessages.asc_order")
@pytest.mark.parametrize("asc", [True, False, None])
def test_asc_orders_by_time(roma: Roma, roma_all: list[dict[str, Any]],
                            asc: bool | None) -> None:
    """asc=true is oldest first; asc=false and no asc newest first (errata roma-asc-default)."""
    got = roma.ok(f"asc={asc}", asc=asc)
    stamps = [int(m["timestamp"]) for m in got.data["messages"]]
    want = sorted(stamps, reverse=not asc)
    assert stamps == want, f"{CLAUSE}.asc_order asc={asc}: timestamps come as {stamps}"


@pytest.mark.clause("roma.v2.ShowMqsInstanceMessages.pagination",
                    "roma.v2.ShowMqsInstanceMessages.total_and_size")
@pytest.mark.parametrize("asc", [True, False])
def test_pages_cover_every_message_once(roma: Roma, roma_all: list[dict[str, Any]],
                                        asc: bool) -> None:
    """limit/offset pages cover every message exactly once, in order; total stays the count."""
    total = len(roma_all)
    seen: list[tuple[int, int]] = []
    for first in range(0, total + PAGE, PAGE):  # bounded: one page past the end
        got = roma.ok(f"page at {first}", limit=PAGE, offset=first, asc=asc)
        page = [ident(m) for m in got.data["messages"]]
        assert got.data["total"] == total and got.data["size"] == len(page), (
            f"{CLAUSE}.total_and_size at offset {first}: total={got.data['total']} "
            f"size={got.data['size']} for {len(page)} of {total}")
        assert len(page) == max(0, min(PAGE, total - first)), (
            f"{CLAUSE}.pagination: offset {first} limit {PAGE} of {total} answered "
            f"{len(page)}")
        seen.extend(page)
    whole = [ident(m) for m in roma.ok("whole topic", asc=asc).data["messages"]]
    assert seen == whole, f"{CLAUSE}.pagination: pages give {seen}, the topic {whole}"


@pytest.mark.clause("roma.v2.ShowMqsInstanceMessages.content_query",
                    "roma.v2.ShowMqsInstanceMessages.content_ignored_with_time_range")
def test_content_query_answers_the_message(roma: Roma, roma_all: list[dict[str, Any]]) -> None:
    """partition + message_offset answer that message with its value; with a time range they
    narrow nothing."""
    for message in (roma_all[0], roma_all[-1]):
        partition, offset = ident(message)
        got = roma.ok("content query", partition=partition, message_offset=offset)
        assert got.data["messages"] == [message], (
            f"{CLAUSE}.content_query partition={partition} message_offset={offset}: "
            f"expected {message}; received {got.data['messages']}")
    stamps = [int(m["timestamp"]) for m in roma_all]
    partition, offset = ident(roma_all[0])
    wide = roma.ok("time range with partition and offset", start_time=min(stamps),
                   end_time=max(stamps), partition=partition, message_offset=offset)
    assert len(wide.data["messages"]) == len(roma_all), (
        f"{CLAUSE}.content_ignored_with_time_range: the range over every message answered "
        f"{len(wide.data['messages'])} of {len(roma_all)}")


@pytest.mark.clause("roma.v2.ShowMqsInstanceMessages.key_filter",
                    "roma.v2.ShowMqsInstanceMessages.message_id_filter",
                    "roma.v2.ShowMqsInstanceMessages.tag_filter")
@pytest.mark.parametrize("member", ["key", "message_id", "tag"])
def test_filters_keep_only_matching_messages(roma: Roma, roma_all: list[dict[str, Any]],
                                             member: str) -> None:
    """key, message_id and tag each keep exactly the messages carrying that value."""
    values = [m[member] for m in roma_all if m.get(member)]
    if not values:
        pytest.skip(f"no message of the target's topic has a {member}")
    value = values[-1]
    want = {ident(m) for m in roma_all if m.get(member) == value}
    got = roma.ok(f"{member} filter", **{member: value})
    have = {ident(m) for m in got.data["messages"]}
    assert have == want, (f"{CLAUSE}.{member}_filter {member}={value!r}: expected "
                          f"{sorted(want)}; received {sorted(have)}")
    assert len(want) < len(roma_all) or member == "tag", (
        f"the topic's messages all share {member}={value!r}: the filter shows nothing")
