"""Drive the official ``tencentcloud-sdk-python-intl-en`` in a process of its own.

Run as ``python intl_driver.py JOB.json`` with ``PYTHONPATH`` naming the folder the SDK was
installed into (``pip install --target``): its ``tencentcloud`` package then shadows the CMQ SDK
of the project's environment, whose ``tencentcloud.common`` it would otherwise overwrite. Reads
one JSON job (endpoint, credentials, product module, version, region, sign method, calls) and
prints one JSON answer per call: the parsed response model (``to_json_string``) or the SDK
exception's code; a job naming ``models`` gets their members instead. Only the SDK and the
standard library are imported here.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any


def main() -> int:
    """Run every call of the job file; print the results as one JSON document."""
    with open(sys.argv[1], encoding="utf-8") as handle:
        job = json.load(handle)
    import tencentcloud
    from tencentcloud.common import credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    package = f"tencentcloud.{job['product']}.v{job['version'].replace('-', '')}"
    client_module = importlib.import_module(f"{package}.{job['product']}_client")
    models = importlib.import_module(f"{package}.models")
    if job.get("models"):
        # The members of the named model classes, as the SDK declares them (``_Name``).
        members = {name: sorted(k[1:] for k in vars(getattr(models, name)()) if k[:1] == "_")
                   for name in job["models"] if hasattr(models, name)}
        json.dump({"sdk_version": tencentcloud.__version__, "models": members}, sys.stdout)
        return 0
    client_class = next(getattr(client_module, name) for name in dir(client_module)
                        if name.lower() == f"{job['product']}client")
    profile = ClientProfile(signMethod=job["sign_method"],
                            httpProfile=HttpProfile(protocol="http", endpoint=job["endpoint"]))
    cred = credential.Credential(job["secret_id"], job["secret_key"])
    clients: dict[str, Any] = {}
    out: list[dict[str, Any]] = []
    for call in job["calls"]:
        region = call.get("region") or job["region"]
        client = clients.setdefault(region, client_class(cred, region, profile))
        request = getattr(models, f"{call['action']}Request")()
        request.from_json_string(json.dumps(call["params"]))
        try:
            response = getattr(client, call["action"])(request)
        except TencentCloudSDKException as exc:
            out.append({"action": call["action"], "ok": False, "code": exc.get_code(),
                        "message": exc.get_message()})
            continue
        out.append({"action": call["action"], "ok": True,
                    "response": json.loads(response.to_json_string()),
                    "model": type(response).__name__})
    json.dump({"sdk_version": tencentcloud.__version__, "results": out}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
