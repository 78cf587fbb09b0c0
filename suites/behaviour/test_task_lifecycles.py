"""Task lifecycles, from product.yaml alone: start, take by id, stop, then not found.

Every resource kind identified by the id its create action returns (``id_member``) and taken by
other actions (``uses``) is one scenario (:data:`LIFECYCLES`): TRTC's cloud recording, relay,
stream ingest and AI conversation and transcription tasks. The start call is provisioned from
the create action's baseline; each action of ``uses`` is called with its own baseline and the
task's id and must succeed; the delete action stops it; then every one of them must answer
``<kind>_not_found``. It checks the surface clause ``<surface>.lifecycle.<kind>``.
"""

from __future__ import annotations

from typing import Any

import pytest
from behaviour_steps import check_error

from cmqconform.cases.build import baseline, repair
from cmqconform.models import ResourceKind
from cmqconform.provision import Resources
from cmqconform.session import Session

#: Every kind of the specs with an ``id_member`` and ``uses`` (tests/emulator/test_mock.py checks
#: that none is missing), marked with its lifecycle clause and not-found condition as literal
#: ids, so that ``cmqconform spec coverage`` sees them without running anything.
LIFECYCLES = [
    pytest.param("trtc.v3", "cloud_recording", marks=pytest.mark.clause(
        "trtc.v3.lifecycle.cloud_recording", "trtc.v3.condition.cloud_recording_not_found")),
    pytest.param("trtc.v3", "cdn_stream", marks=pytest.mark.clause(
        "trtc.v3.lifecycle.cdn_stream", "trtc.v3.condition.cdn_stream_not_found")),
    pytest.param("trtc.v3", "stream_ingest", marks=pytest.mark.clause(
        "trtc.v3.lifecycle.stream_ingest", "trtc.v3.condition.stream_ingest_not_found")),
    pytest.param("trtc.v3", "ai_conversation", marks=pytest.mark.clause(
        "trtc.v3.lifecycle.ai_conversation", "trtc.v3.condition.ai_conversation_not_found")),
    pytest.param("trtc.v3", "ai_transcription", marks=pytest.mark.clause(
        "trtc.v3.lifecycle.ai_transcription", "trtc.v3.condition.ai_transcription_not_found")),
]


def _call(session: Session, resources: Resources, api: str, action: str, kind: ResourceKind,
          task: str) -> Any:
    """``action`` with its baseline and the task's id in the kind's member."""
    spec = session.specs.api(api)
    params = repair(spec, spec.actions[action], baseline(spec, spec.actions[action])) or {}
    member = next(p.name for p in spec.actions[action].request
                  if p.name.lower() in kind.members)
    resolved = resources.resolve({k: v for k, v in params.items() if k != member})
    return session.call(api, action, {**resolved, member: task})


@pytest.mark.parametrize(("api", "name"), LIFECYCLES)
def test_a_started_task_is_taken_by_its_id_then_stopped(cmq_session: Session, cmq_run: Any,
                                                         api: str, name: str) -> None:
    """Start -> each action taking the task -> stop -> each of them and stop: not found."""
    kind = cmq_session.specs.product_of(api).resources[name]
    resources = Resources(cmq_session, api, cmq_run.namer)
    task = resources.create(kind.name)
    assert task, f"{kind.create[api]} returned no {kind.id_member}"
    clause = f"{api}.lifecycle.{kind.name}"
    for action in kind.uses[api]:
        got = _call(cmq_session, resources, api, action, kind, task)
        assert got.ok, f"{action} of the started task {task}: expected success ({clause}); " \
                       f"received {got.describe()}"
    stopped = _call(cmq_session, resources, api, kind.delete[api], kind, task)
    assert stopped.ok, f"{kind.delete[api]} of {task}: expected success ({clause}); " \
                       f"received {stopped.describe()}"
    resources.created.clear()  # stopped already: nothing left to clean up
    condition = f"{kind.name}_not_found"
    if condition not in cmq_session.specs.api(api).conditions:
        return
    for action in (*kind.uses[api], kind.delete[api]):
        got = _call(cmq_session, resources, api, action, kind, task)
        check_error(cmq_session, api, condition, got, f"{action} of the stopped task {task}",
                    clause)
