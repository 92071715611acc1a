"""
The real ClearML SDK (`clearml`, pinned in requirements.txt) against the ClearML API peer: it does
what Snap4City's Flask API did to start a task (the original document, chapter 6.2 "API Task
Enqueue"), searches tasks as the document shows, and reads what ClearGate's enqueue-worker wrote
for a run started through ClearGate's API.
"""
import re
import socket
from datetime import datetime
from typing import Any, Dict, Tuple

import pytest
from clearml import Task
from clearml.backend_api import Session
from clearml.backend_api.session.client import APIClient

from conftest import PROJECT_ID, QUEUE_GPU_ID, TEMPLATE_ID, ClearGate, ClearmlPeer, SdkRecorder

#: What a caller sends as the run's parameters: nested objects, lists, booleans, numbers and null.
PARAMS: Dict[str, Any] = {
    "lr": 0.05,
    "epochs": 3,
    "sensor_id": "METRO-042",
    "window": {"size": 24, "stride": 6},
    "features": ["flow", "speed"],
    "weekend": True,
    "note": None,
}

#: The template's hyperparameters with PARAMS written into "General", flat as `get_parameters()` shows them.
EXPECTED_PARAMETERS = {
    "Args/seed": "42",
    "General/lr": "0.05",
    "General/epochs": "3",
    "General/sensor_id": "METRO-042",
    "General/window/size": "24",
    "General/window/stride": "6",
    "General/features": '["flow", "speed"]',
    "General/weekend": "True",
    "General/note": "",
}

CLEARED_CONTAINER = {"image": "", "arguments": "", "setup_shell_script": ""}
CLONE_NAME = re.compile(r"^traffic_forecast_\d{8}_\d{6}$")


def enqueue_like_snap4city(task_id: str, queue: str, params: Dict[str, Any]) -> Tuple[Task, Any]:
    """Snap4City's Flask API, line for line (after resolving the public id to `task_id`)."""
    task = Task.get_task(task_id=task_id)
    timestamp = datetime.now().strftime("%Y%m%d_%H%M%S")
    cloned_task = Task.clone(source_task=task, name=f"{task.name}_{timestamp}")
    cloned_task.connect(params)
    cloned_task.set_base_docker(None)
    enqueue_response = Task.enqueue(task=cloned_task, queue_name=queue)
    return cloned_task, enqueue_response


def failures(peer: ClearmlPeer) -> list:
    return [(f["endpoint"], f["status"], f["subcode"]) for f in peer.calls()["failures"]]


@pytest.fixture(scope="module")
def template(cleargate: ClearGate) -> str:
    """The template task registered in ClearGate by an administrator; its public id."""
    admin = cleargate.oidc.login("rootadmin")
    status, body = cleargate.call("POST", "/v1/tasks", admin, {"clearml_task_id": TEMPLATE_ID, "default_queue": "default", "allowed_queues": ["gpu"]})
    assert status == 201, body
    return body["task_id"]


def run_through_cleargate(cleargate: ClearGate, template: str, params: Dict[str, Any]) -> Dict[str, Any]:
    """A run started as Snap4City's Node-RED "Enqueue Task" block starts one, through the compatible route."""
    user = cleargate.oidc.login("observer")
    status, body = cleargate.call(
        "POST",
        "/clearml/serve/enqueue_task",
        body={"access_token": user, "task_id": template, "queue": "gpu", "params": params},
    )
    assert status == 200, body
    assert body == {"status": "queued", "task_id": body["task_id"], "run_id": body["run_id"], "queue": "gpu"}
    return body


def test_nothing_but_the_processes_started_here_can_be_reached(sdk: ClearmlPeer, sdk_log: SdkRecorder) -> None:
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("api.clear.ml", 443)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(ConnectionRefusedError, match="allow no connection"):
        socket.create_connection(("127.0.0.1", port), timeout=1)
    assert sdk_log.problems() == ["refused connection to api.clear.ml (name lookup)", f"refused connection to 127.0.0.1:{port}"]


def test_the_original_enqueue_code_runs_clean_against_the_peer(sdk: ClearmlPeer, sdk_log: SdkRecorder) -> None:
    sdk.reset_calls()
    clone, response = enqueue_like_snap4city(TEMPLATE_ID, "gpu", dict(PARAMS))

    assert sdk_log.problems() == []
    # The one answer that is not a 200: Task.enqueue tries the queue name as a queue id first,
    # and the server answers that with invalid_queue_id.
    assert failures(sdk) == [("queues.get_by_id", 400, 701)]
    # The SDK speaks the newest API its request models know, below what the server reports.
    assert (Session.api_version, Session.max_api_version, Session.server_version) == ("2.23", "2.31", "2.0.0")
    # clone, the parameters, the container, enqueue
    assert sdk.calls()["writes"] == 4

    assert response.queued == 1
    assert response.fields["status"] == "queued"
    assert response.fields["execution.queue"] == QUEUE_GPU_ID
    stored = sdk.task(clone.id)
    assert stored["queues"] == ["gpu"]
    task = stored["task"]
    assert CLONE_NAME.match(task["name"])
    assert (task["status"], task["parent"], task["project"], task["type"]) == ("queued", TEMPLATE_ID, PROJECT_ID, "training")
    assert task["container"] == CLEARED_CONTAINER
    assert {f"{s}/{n}": p["value"] for s, ps in task["hyperparams"].items() for n, p in ps.items()} == EXPECTED_PARAMETERS


def test_the_sdk_reads_the_clone_cleargate_enqueued(sdk: ClearmlPeer, sdk_log: SdkRecorder, cleargate: ClearGate, template: str) -> None:
    started = run_through_cleargate(cleargate, template, PARAMS)
    run_id = started["run_id"]

    found = Task.get_tasks(task_filter={"system_tags": [f"cleargate-run:{run_id}"]})
    assert [t.id for t in found] == [started["task_id"]]
    clone = found[0]
    assert sorted(clone.get_system_tags()) == ["cleargate", f"cleargate-run:{run_id}"]
    assert clone.get_status() == "queued"
    assert clone.data.execution.queue == QUEUE_GPU_ID
    assert APIClient().queues.get_by_id(queue=clone.data.execution.queue).name == "gpu"
    assert clone.get_parameters() == EXPECTED_PARAMETERS
    assert clone.get_parameters_as_dict(cast=True)["General"]["window"] == {"size": 24, "stride": 6}
    assert clone.get_base_docker() is None
    assert CLONE_NAME.match(clone.name)
    assert clone.parent == TEMPLATE_ID
    assert clone.get_project_name() == "Snap4City"
    assert sdk_log.problems() == []

    admin = cleargate.oidc.login("rootadmin")
    status, run = cleargate.call("GET", f"/v1/runs/{run_id}", admin)
    assert status == 200, run
    assert (run["status"], run["clearml_task_id"], run["queue"]) == ("queued", clone.id, "gpu")


def test_cleargate_clones_and_enqueues_as_the_original_code_did(
    sdk: ClearmlPeer, sdk_log: SdkRecorder, cleargate: ClearGate, template: str
) -> None:
    original, _ = enqueue_like_snap4city(TEMPLATE_ID, "gpu", dict(PARAMS))
    through_cleargate = Task.get_task(task_id=run_through_cleargate(cleargate, template, PARAMS)["task_id"])

    def what_a_run_needs(task: Task) -> Dict[str, Any]:
        task.reload()
        data = task.export_task()
        # The SDK writes an empty description for every parameter that has none; ClearGate leaves
        # it out. Neither the server, the web UI nor the SDK reading it back tells them apart.
        hyperparams = {
            section: {name: {"description": "", **item.to_dict()} for name, item in items.items()}
            for section, items in task.data.hyperparams.items()
        }
        return {
            "hyperparams": hyperparams,
            "configuration": data.get("configuration"),
            "container": data.get("container"),
            "script": data.get("script"),
            **{k: data.get(k) for k in ("type", "project", "parent", "comment", "tags", "status")},
            "queue": task.data.execution.queue,
        }

    assert what_a_run_needs(through_cleargate) == what_a_run_needs(original)
    assert sdk_log.problems() == []


def test_get_tasks_filters_as_the_document_shows(sdk: ClearmlPeer, sdk_log: SdkRecorder) -> None:
    found = Task.get_tasks(
        project_name="Snap4City",
        allow_archived=True,
        task_filter={
            "system_tags": ["-archived"],
            "status": ["completed", "published"],
            "type": ["training"],
            "search_text": "regression",
            "order_by": ["last_update"],
        },
    )
    assert [t.name for t in found] == ["air_quality_regression"]

    assert Task.get_task(project_name="Snap4City", task_name="traffic_forecast").id == TEMPLATE_ID
    names = [t.name for t in Task.get_tasks(project_name="Snap4City", task_name="traffic_forecast", allow_archived=False)]
    assert "traffic_forecast" in names and "traffic_forecast (old regression)" not in names
    # Clones keep their template's tags; "__$all" and "__$not" combine tag conditions.
    templates = Task.get_tasks(tags=["__$all", "template", "__$not", "deprecated"], task_filter={"status": ["completed", "published"]})
    assert [t.id for t in templates] == [TEMPLATE_ID]
    rows = Task.query_tasks(project_name="Snap4City", task_name="^air_quality", additional_return_fields=["status", "type"])
    assert sorted((str(r["status"]), str(r["type"])) for r in rows) == [("completed", "data_processing"), ("published", "training")]
    assert sdk_log.problems() == []


def test_unknown_task_and_queue_fail_where_the_original_caught_them(sdk: ClearmlPeer) -> None:
    sdk.reset_calls()
    # The Flask API answered "Error: Invalid Task ID" to this ValueError.
    with pytest.raises(ValueError, match="could not be found"):
        Task.get_task(task_id="f" * 32)
    clone = Task.clone(source_task=TEMPLATE_ID, name="traffic_forecast_unknown_queue")
    with pytest.raises(ValueError, match='Could not find queue named "no-such-queue"'):
        Task.enqueue(task=clone, queue_name="no-such-queue")
    assert sdk.task(clone.id)["task"]["status"] == "created"
    assert ("tasks.get_by_id", 400, 101) in failures(sdk)


def test_the_sdk_logs_in_again_when_the_server_refuses_its_token(sdk: ClearmlPeer, sdk_log: SdkRecorder) -> None:
    Task.get_task(task_id=TEMPLATE_ID)
    sdk.reset_calls()
    sdk.revoke_tokens()

    # On the 401 the SDK logs in again at once, then resends that one request with the header it
    # had built before (its own behaviour, whatever the server): the task's first read fails...
    task = Task.get_task(task_id=TEMPLATE_ID)
    calls = sdk.calls()
    assert calls["calls"]["auth.login"] == 1
    assert [(f["endpoint"], f["status"], f["subcode"]) for f in calls["failures"]] == [("tasks.get_by_id", 401, 30)] * 2
    assert {r.getMessage().split(" (")[0] for r in sdk_log.records} == {
        "Action failed <401/30: tasks.get_by_id/v1.0",
        f"Failed reloading task {TEMPLATE_ID}",
    }
    # ...and everything after carries the new token.
    sdk_log.clear()
    assert task.get_status() == "completed"
    assert Task.get_task(task_id=TEMPLATE_ID).name == "traffic_forecast"
    assert len(sdk.calls()["failures"]) == 2
    assert sdk_log.problems() == []
