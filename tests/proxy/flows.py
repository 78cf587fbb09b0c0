"""Flows of the official SDKs: what an application does, each pointed at a base URL.

Each flow keeps the contract on its own side (every request valid) and expects the answers an
application meets: successes, and documented errors such as a missing queue.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.proxy.conftest import AK, SID, SK, SKEY


def api3_flow(base_url: str, sign_method: str = "TC3-HMAC-SHA256") -> list[str]:
    """tencentcloud-sdk-python-cmq: queues, messages, topics, a documented error; the outcomes."""
    from tencentcloud.cmq.v20190304 import cmq_client, models
    from tencentcloud.common import credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    profile = ClientProfile(signMethod=sign_method, httpProfile=HttpProfile(
        protocol="http", endpoint=base_url.removeprefix("http://"), reqTimeout=15))
    client = cmq_client.CmqClient(credential.Credential(SID, SKEY), "ap-guangzhou", profile)
    outcomes: list[str] = []

    def call(action: str, **params: Any) -> Any:
        request = getattr(models, f"{action}Request")()
        request.from_json_string(json.dumps(params))
        try:
            response = getattr(client, action)(request)
        except TencentCloudSDKException as exc:
            outcomes.append(f"{action}: {exc.code}")
            return None
        outcomes.append(f"{action}: ok")
        return response

    tag = sign_method[:3].lower()
    queue, topic = f"px-{tag}-q", f"px-{tag}-t"
    call("CreateQueue", QueueName=queue, VisibilityTimeout=45, RewindSeconds=3600)
    call("DescribeQueueDetail", Filters=[{"Name": "QueueName", "Values": [queue]}], Limit=10)
    call("ModifyQueueAttribute", QueueName=queue, VisibilityTimeout=60)
    call("CreateTopic", TopicName=topic, MaxMsgSize=4096)
    call("DescribeTopicDetail", TopicName=topic)
    call("CreateSubscribe", TopicName=topic, SubscriptionName=f"px-{tag}-s", Protocol="queue",
         Endpoint=queue)
    call("DescribeSubscriptionDetail", TopicName=topic)
    call("RewindQueue", QueueName=queue, StartConsumeTime=int(time.time()) - 60)
    call("ClearQueue", QueueName=queue)
    call("DeleteSubscribe", TopicName=topic, SubscriptionName=f"px-{tag}-s")
    call("DeleteTopic", TopicName=topic)
    call("DeleteQueue", QueueName=queue)
    call("DeleteQueue", QueueName=queue)  # gone: a documented ResourceNotFound
    return outcomes


def api3_bad_range(base_url: str) -> list[str]:
    """The API 3.0 SDK sending a VisibilityTimeout above the documented maximum."""
    from tencentcloud.cmq.v20190304 import cmq_client, models
    from tencentcloud.common import credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    profile = ClientProfile(httpProfile=HttpProfile(
        protocol="http", endpoint=base_url.removeprefix("http://"), reqTimeout=15))
    client = cmq_client.CmqClient(credential.Credential(SID, SKEY), "ap-guangzhou", profile)
    request = models.CreateQueueRequest()
    request.from_json_string(json.dumps({"QueueName": "px-range", "VisibilityTimeout": 43201}))
    try:
        client.CreateQueue(request)
    except TencentCloudSDKException as exc:
        return [f"CreateQueue: {exc.code}"]
    return ["CreateQueue: ok"]


def legacy_flow(base_url: str, workdir: Path, sign: str = "sha256",
                method: str = "POST") -> list[str]:
    """qcloud-cmq-sdk-py3: a queue's messages and a topic, then a documented error."""
    from cmq.account import Account
    from cmq.cmq_exception import CMQServerException
    from cmq.queue import Message, QueueMeta
    from cmq.topic import TopicMeta

    account = Account(base_url, SID, SKEY)
    account.set_sign(sign)
    account.get_client().set_method(method)
    outcomes: list[str] = []
    name = f"px-legacy-{sign}-{method.lower()}"
    try:
        queue = account.get_queue(name)
        meta = QueueMeta()
        meta.visibilityTimeout = 60
        queue.create(meta)
        outcomes.append("CreateQueue: ok")
        queue.send_message(Message("hello"))
        queue.batch_send_message([Message("a"), Message("b")])
        got = queue.receive_message(polling_wait_seconds=1)
        queue.delete_message(got.receiptHandle)
        rest = queue.batch_receive_message(16, polling_wait_seconds=1)
        queue.batch_delete_message([m.receiptHandle for m in rest])
        queue.get_attributes()
        account.list_queue(searchWord=name)
        topic = account.get_topic(f"{name}-t")
        topic.create(TopicMeta())
        topic.get_attributes()
        topic.delete()
        queue.delete()
        outcomes.append("flow: ok")
        try:
            queue.get_attributes()
        except CMQServerException as exc:
            outcomes.append(f"GetQueueAttributes: {exc.code}")
    finally:
        account.get_client().close_connection()
    return outcomes


def roma_flow(base_url: str, names: dict[str, Any], *, limit: int | None = None) -> list[str]:
    """huaweicloudsdkroma: the message query, signed with an AK/SK; the outcomes."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkroma.v2 import RomaClient, ShowMqsInstanceMessagesRequest

    config = HttpConfig.get_default_config()
    config.timeout = (5, 15)
    config.retry_times = 0
    client = (RomaClient.new_builder().with_http_config(config)
              .with_credentials(BasicCredentials(AK, SK, str(names["project_id"])))
              .with_endpoints([base_url]).build())
    outcomes = []
    extra = {"limit": limit} if limit is not None else {}
    for asc in (True, False):
        request = ShowMqsInstanceMessagesRequest(instance_id=str(names["instance_id"]),
                                                 topic=str(names["topic"]), asc=asc, **extra)
        try:
            client.show_mqs_instance_messages(request)
            outcomes.append("ShowMqsInstanceMessages: ok")
        except ClientRequestException as exc:
            outcomes.append(f"ShowMqsInstanceMessages: {exc.status_code}")
    return outcomes


def common_client_flow(base_url: str, product: str, surface: str) -> list[str]:
    """tencentcloud-sdk-python-common's CommonClient (the API 3.0 SDK's generic client): every
    action of ``surface`` that has a doc example, sent with that example's input."""
    from tencentcloud.common import credential
    from tencentcloud.common.common_client import CommonClient
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    from cmqconform.spec import load_specs

    api = load_specs().api(surface)
    profile = ClientProfile(httpProfile=HttpProfile(
        protocol="http", endpoint=base_url.removeprefix("http://"), reqTimeout=15))
    client = CommonClient(product, api.version, credential.Credential(SID, SKEY),
                          "ap-guangzhou", profile=profile)
    outcomes = []
    for name, action in api.actions.items():
        example = next((e for e in action.examples if e.input), None)
        if example is None:
            continue
        try:
            client.call_json(name, dict(example.input))
            outcomes.append(f"{name}: ok")
        except TencentCloudSDKException as exc:
            outcomes.append(f"{name}: {exc.code}")
    return outcomes
