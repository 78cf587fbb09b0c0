"""Topic names: a deleted topic's name is held for the release window on both surfaces."""

from __future__ import annotations

from typing import Any

import pytest
from behaviour_steps import LEGACY, V3, expect_error, expect_ok


@pytest.mark.parametrize("api", [V3, LEGACY])
@pytest.mark.clause("cmq.legacy.CreateTopic.release_window",
                    "cmq.v3.DeleteTopic.name_release_window", "cmq.v3.DeleteTopic.deletes_topic",
                    "cmq.legacy.DeleteTopic.deletes_topic")
def test_deleted_topic_name_refused_inside_release_window(cmq_session: Any, cmq_resources: Any,
                                                          api: str) -> None:
    """A deleted topic is gone, and its name cannot be created again at once."""
    res = cmq_resources(api)
    topic = str(res.create("topic"))
    expect_ok(cmq_session, api, "DeleteTopic", f"{api}.DeleteTopic.deletes_topic",
              topicname=topic)
    expect_error(cmq_session, api, "topic_not_found", "DeleteTopic", topicname=topic)
    # A target that wrongly accepts the name again must not leak the topic.
    res.created.append(("topic", topic, None))
    expect_error(cmq_session, api, "name_in_release_window", "CreateTopic",
                 {V3: "cmq.v3.DeleteTopic.name_release_window",
                  LEGACY: "cmq.legacy.CreateTopic.release_window"}[api], topicname=topic)
