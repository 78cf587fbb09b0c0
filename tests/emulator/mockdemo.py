"""A throwaway YAML-only product with a task lifecycle, for the spec-driven mock's tests.

``demo`` (surface ``demo.v3``) starts a task that is then described, updated and stopped by its
``TaskId`` (product.yaml ``resources`` with ``id_member`` and ``uses``); ``StartTask`` accepts two
of the three regions and carries a doc example; ``DescribeTask`` answers nested, nullable and
float members. No Python is written for it: the mock serves it from the specs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from cmqconform.spec import default_root

DOC = """Demo API 3.0
Version 2021-01-01
ap-guangzhou South China (Guangzhou)
ap-shanghai East China (Shanghai)
ap-beijing North China (Beijing)
StartTask starts a task. This API only supports: ap-guangzhou, ap-shanghai.
SdkAppId Integer Yes The application id, 1-2000000000.
RoomId String Yes The room, 1-64 characters.
Mode String No The mode: fast or slow.
Volume Float No The volume, 0-1.
TaskId String The id of the task.
RequestId String The unique request ID.
DescribeTask describes a task.
Status String The status of the task.
Detail TaskDetail The task's detail. Note: this field may return null.
Items Array of TaskDetail The task's items.
Score Float The score.
UpdateTask updates a task.
StopTask stops a task.
TaskDetail: Name String, Count Integer, When Timestamp.
FailedOperation.TaskNotExist The task does not exist.
Example output: {"Response": {"TaskId": "doc-task-1", "RequestId": "r"}}
"""

PRODUCT = """product: demo
vendor: tencent
service: demo
title: Demo
surfaces:
  demo.v3:
    folder: v3
    dialect: tencent_v3
    shares: tencent.api3
    credentials: tencent_secret
    version: {value: "2021-01-01", source: demo-api.txt:2}
    regions:
      - {id: ap-guangzhou, name: South China (Guangzhou), source: demo-api.txt:3}
      - {id: ap-shanghai, name: East China (Shanghai), source: demo-api.txt:4}
      - {id: ap-beijing, name: North China (Beijing), source: demo-api.txt:5}
resources:
  task:
    members: [taskid]
    create: {demo.v3: StartTask}
    delete: {demo.v3: StopTask}
    uses: {demo.v3: [DescribeTask, UpdateTask]}
    id_member: TaskId
"""

ERRORS = """api: demo.v3
tables:
  service: {title: Error Codes, source: demo-api.txt:20}
codes:
  - {code: FailedOperation.TaskNotExist, message: The task does not exist., tables: [service],
     sources: [demo-api.txt:20]}
conditions:
  task_not_found: {accept: [{code: FailedOperation.TaskNotExist}], source: demo-api.txt:20}
"""

TYPES = """api: demo.v3
types:
  TaskDetail:
    source: demo-api.txt:19
    fields:
      - {name: Name, type: string, nullable: false, source: demo-api.txt:19}
      - {name: Count, type: integer, nullable: false, source: demo-api.txt:19}
      - {name: When, type: timestamp, nullable: true, source: demo-api.txt:19}
"""

_ID = "  - {name: SdkAppId, type: integer, required: true, min: 1, max: 2000000000, " \
      "source: demo-api.txt:7}\n"
_TASK = "  - {name: TaskId, type: string, required: true, max_length: 128, " \
        "source: demo-api.txt:11}\n"
_RID = "  - {name: RequestId, type: string, nullable: false, source: demo-api.txt:12}\n"
_ERR = "errors:\n  - {code: FailedOperation.TaskNotExist, source: demo-api.txt:20}\n"

ACTIONS = {
    "StartTask": (
        "action: StartTask\napi: demo.v3\nsource: demo-api.txt:6\nsummary: Starts a task.\n"
        "regions: {only: [ap-guangzhou, ap-shanghai], source: demo-api.txt:6}\n"
        "request:\n" + _ID +
        "  - {name: RoomId, type: string, required: true, min_length: 1, max_length: 64, "
        "source: demo-api.txt:8}\n"
        "  - {name: Mode, type: string, required: false, enum: [fast, slow], "
        "source: demo-api.txt:9}\n"
        "  - {name: Volume, type: float, required: false, min: 0, max: 1, "
        "source: demo-api.txt:10}\n"
        "response:\n  - {name: TaskId, type: string, nullable: false, source: demo-api.txt:11}\n"
        + _RID + "errors: []\n" +
        "examples:\n  - title: Starting a task\n    source: demo-api.txt:21\n"
        "    input: {SdkAppId: 1400000001, RoomId: r1}\n"
        "    output: {Response: {TaskId: doc-task-1, RequestId: r}}\n"),
    "DescribeTask": (
        "action: DescribeTask\napi: demo.v3\nsource: demo-api.txt:13\n"
        "summary: Describes a task.\nrequest:\n" + _ID + _TASK +
        "response:\n  - {name: TaskId, type: string, nullable: false, source: demo-api.txt:11}\n"
        "  - {name: Status, type: string, nullable: false, source: demo-api.txt:14}\n"
        "  - {name: Detail, type: TaskDetail, nullable: true, source: demo-api.txt:15}\n"
        "  - {name: Items, type: array<TaskDetail>, nullable: false, source: demo-api.txt:16}\n"
        "  - {name: Score, type: float, nullable: false, source: demo-api.txt:17}\n"
        + _RID + _ERR),
    "UpdateTask": (
        "action: UpdateTask\napi: demo.v3\nsource: demo-api.txt:18\nsummary: Updates a task.\n"
        "request:\n" + _ID + _TASK +
        "  - {name: RoomId, type: string, required: false, max_length: 64, "
        "source: demo-api.txt:8}\n"
        "response:\n" + _RID + _ERR),
    "StopTask": (
        "action: StopTask\napi: demo.v3\nsource: demo-api.txt:19\nsummary: Stops a task.\n"
        "request:\n" + _ID + _TASK + "response:\n" + _RID + _ERR),
}


def build(root: Path) -> Path:
    """A specs tree under ``root`` holding the vendor's shared facts and ``demo`` only."""
    real = default_root()
    specs = root / "specs"
    shutil.copytree(real / "vendors", specs / "vendors")
    (specs / "reference").mkdir()
    for doc in ("cmq-api.txt", "CLIENT-WIRE-NOTES.md"):
        shutil.copy(real / "reference" / doc, specs / "reference")
    (specs / "reference" / "demo-api.txt").write_text(DOC, encoding="utf-8")
    folder = specs / "demo" / "v3"
    folder.mkdir(parents=True)
    (specs / "demo" / "product.yaml").write_text(PRODUCT, encoding="utf-8")
    (folder / "errors.yaml").write_text(ERRORS, encoding="utf-8")
    (folder / "types.yaml").write_text(TYPES, encoding="utf-8")
    for name, text in ACTIONS.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return specs
