"""tencentcloud-sdk-python-cmq 3.0.1299: all 17 API 3.0 actions through its typed CmqClient.

Chosen over CommonClient.call_json: the typed client is what applications use, and 3.0.1299 is
the last release that still has every action (CLIENT-WIRE-NOTES.md). Run with TC3-HMAC-SHA256
and with HmacSHA256 (v1, form POST, booleans as True/False).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from tencentcloud.cmq.v20190304 import cmq_client, models
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from .conftest import SID, SKEY

pytestmark = pytest.mark.sdk

ACTIONS = 17


class Caller:
    """Calls an action through the typed client and returns the response as a dict."""

    def __init__(self, base_url: str, sign_method: str) -> None:
        profile = ClientProfile(signMethod=sign_method,
                                httpProfile=HttpProfile(protocol="http",
                                                        endpoint=base_url.removeprefix("http://"),
                                                        reqTimeout=10))
        self.client = cmq_client.CmqClient(credential.Credential(SID, SKEY), "ap-guangzhou",
                                           profile)
        self.called: set[str] = set()

    def __call__(self, action: str, **params: Any) -> dict[str, Any]:
        request = getattr(models, f"{action}Request")()
        request.from_json_string(json.dumps(params))
        response = getattr(self.client, action)(request)
        self.called.add(action)
        out: dict[str, Any] = json.loads(response.to_json_string())
        assert out["RequestId"]
        return out


@pytest.mark.parametrize("sign_method", ["TC3-HMAC-SHA256", "HmacSHA256"])
def test_all_17_actions(emulator: str, sign_method: str) -> None:
    call = Caller(emulator, sign_method)
    tag = sign_method[:3].lower()
    queue, dead, topic, sub = f"sdk-{tag}-q", f"sdk-{tag}-dlq", f"sdk-{tag}-t", f"sdk-{tag}-s"

    assert call("CreateQueue", QueueName=dead)["QueueId"]
    queue_id = call("CreateQueue", QueueName=queue, VisibilityTimeout=45, RewindSeconds=3600,
                    Trace=True)["QueueId"]
    listed = call("DescribeQueueDetail", Filters=[{"Name": "QueueName", "Values": [queue]}],
                  Limit=10)
    assert [q["QueueId"] for q in listed["QueueSet"]] == [queue_id]
    assert listed["QueueSet"][0]["VisibilityTimeout"] == 45

    call("ModifyQueueAttribute", QueueName=queue, VisibilityTimeout=60,
         DeadLetterQueueName=dead, Policy=0, MaxReceiveCount=3)
    exact = call("DescribeQueueDetail", QueueName=queue)
    assert exact["TotalCount"] == 1 and exact["QueueSet"][0]["VisibilityTimeout"] == 60
    sources = call("DescribeDeadLetterSourceQueues", DeadLetterQueueName=dead, Limit=10)
    assert [s["QueueName"] for s in sources["QueueSet"]] == [queue]
    call("UnbindDeadLetter", QueueName=queue)
    assert call("DescribeDeadLetterSourceQueues", DeadLetterQueueName=dead)["TotalCount"] == 0
    call("RewindQueue", QueueName=queue, StartConsumeTime=int(time.time()) - 60)
    call("ClearQueue", QueueName=queue)

    assert call("CreateTopic", TopicName=topic, MaxMsgSize=4096)["TopicId"]
    call("ModifyTopicAttribute", TopicName=topic, MaxMsgSize=8192)
    topics = call("DescribeTopicDetail", TopicName=topic)
    assert topics["TopicSet"][0]["MaxMsgSize"] == 8192

    assert call("CreateSubscribe", TopicName=topic, SubscriptionName=sub, Protocol="queue",
                Endpoint=queue, NotifyContentFormat="SIMPLIFIED",
                FilterTag=["a"])["SubscriptionId"]
    call("ModifySubscriptionAttribute", TopicName=topic, SubscriptionName=sub,
         FilterTags=["b", "c"])
    subs = call("DescribeSubscriptionDetail", TopicName=topic, Limit=10)
    assert subs["TotalCount"] == 1
    assert sorted(subs["SubscriptionSet"][0]["FilterTags"]) == ["b", "c"]
    call("ClearSubscriptionFilterTags", TopicName=topic, SubscriptionName=sub)
    cleared = call("DescribeSubscriptionDetail", TopicName=topic)["SubscriptionSet"][0]
    assert not cleared["FilterTags"]
    call("DeleteSubscribe", TopicName=topic, SubscriptionName=sub)
    call("DeleteTopic", TopicName=topic)
    call("DeleteQueue", QueueName=queue)
    call("DeleteQueue", QueueName=dead)
    assert len(call.called) == ACTIONS


@pytest.mark.parametrize("sign_method", ["TC3-HMAC-SHA256", "HmacSHA256", "HmacSHA1"])
def test_errors_reach_the_sdk_as_exceptions(emulator: str, sign_method: str) -> None:
    call = Caller(emulator, sign_method)
    with pytest.raises(TencentCloudSDKException) as info:
        call("DeleteQueue", QueueName="sdk-no-such-queue")
    assert info.value.code == "ResourceNotFound"
    assert info.value.requestId


def test_wrong_key_is_an_auth_failure(emulator: str) -> None:
    call = Caller(emulator, "TC3-HMAC-SHA256")
    call.client.credential = credential.Credential(SID, "not-the-key")
    with pytest.raises(TencentCloudSDKException) as info:
        call("DescribeQueueDetail")
    assert info.value.code == "AuthFailure.SignatureFailure"
