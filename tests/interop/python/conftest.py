"""
Fixtures of the Python interop tests.

The ClearML API peer and the OIDC peer run standalone (the built `dist/tests/peers/src/*/main.js`),
ClearGate's registry, auth-gateway and enqueue-worker run against them
(`dist/tests/interop/python/support/cleargate-stack.js`), and the real `clearml` package is
configured the way a user configures it, through its environment variables. The SDK's home folder,
configuration file and caches are in a temporary folder removed at the end, and every connection
other than to the processes started here is refused and recorded, so the SDK can neither reach
clear.ml nor anything else on the machine.

Run through `npm run test:python` (or `npm test`), which builds `dist/` and provides Node 24,
PostgreSQL and NATS; `DATABASE_URL` and `NATS_URL` reach the services as for every other test.
"""
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[3]
DIST = ROOT / "dist"
LOG_DIR = ROOT / "tmp" / "interop-python"

# --------------------------------------------------------------------------------------------------
# The SDK's environment, set before `clearml` is imported anywhere.

SDK_HOME = Path(tempfile.mkdtemp(prefix="cleargate-clearml-sdk-"))
(SDK_HOME / "clearml.conf").write_text("# empty: everything comes from the environment\n")
os.environ.update(
    {
        # ~/.clearml (session cache) and ~/clearml.conf resolve here.
        "HOME": str(SDK_HOME),
        "CLEARML_CONFIG_FILE": str(SDK_HOME / "clearml.conf"),
        "CLEARML_CACHE_DIR": str(SDK_HOME / "cache"),
        # Never fall back to the public demo server when a setting is missing.
        "CLEARML_NO_DEFAULT_SERVER": "1",
        "CLEARML_SUPPRESS_UPDATE_MESSAGE": "1",
    }
)
for name in ("CLEARML_API_HOST", "CLEARML_WEB_HOST", "CLEARML_FILES_HOST", "CLEARML_API_ACCESS_KEY", "CLEARML_API_SECRET_KEY"):
    os.environ.pop(name, None)

# --------------------------------------------------------------------------------------------------
# Network guard: only the processes started by these fixtures may be reached.

_allowed: Set[Tuple[str, int]] = set()
refused_connections: List[str] = []
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def allow(url: str) -> None:
    """Let connections reach the process listening at `url`."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    hosts = ["127.0.0.1", "::1"] if parsed.hostname in ("127.0.0.1", "localhost", "::1") else [parsed.hostname]
    for host in hosts:
        _allowed.add((host, parsed.port))


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    host, port = address[0], address[1]
    if (host, port) not in _allowed:
        refused_connections.append(f"{host}:{port}")
        raise ConnectionRefusedError(f"the interop tests allow no connection to {host}:{port}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(self, address)
    return _real_connect_ex(self, address)


_real_getaddrinfo = socket.getaddrinfo
_LOOPBACK_NAMES = {"127.0.0.1", "::1", "localhost", None}


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    # Not even a DNS query for another host.
    name = host.decode() if isinstance(host, bytes) else host
    if name not in _LOOPBACK_NAMES:
        refused_connections.append(f"{name} (name lookup)")
        raise socket.gaierror(socket.EAI_NONAME, f"the interop tests allow no lookup of {name}")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]

# --------------------------------------------------------------------------------------------------
# Processes


def _node() -> str:
    node = shutil.which("node")
    if not node:
        raise RuntimeError("node is not on PATH: run the Python tests with `npm run test:python`")
    major = int(subprocess.run([node, "-p", "process.versions.node.split('.')[0]"], capture_output=True, text=True, check=True).stdout)
    if major < 24:
        raise RuntimeError(f"{node} is Node {major}; ClearGate needs Node 24: run the Python tests with `npm run test:python`")
    return node


def _die_with_this_process() -> None:
    """In the child before exec: SIGTERM when the test process is gone, however it ended (Linux)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Process:
    """A built entry point of the workspace in its own process, ready once it printed its JSON line."""

    def __init__(self, name: str, entry: str, args: List[str], env: Optional[Dict[str, str]] = None, ready_timeout: float = 90):
        script = DIST / entry
        if not script.exists():
            raise RuntimeError(f"{script} is missing: run `npm run build` (or `npm run test:python`)")
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.stderr_path = LOG_DIR / f"{name}.stderr"
        self._stderr = self.stderr_path.open("wb")
        self.proc = subprocess.Popen(
            [_node(), str(script), *args],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            # stdin stays open: a process that watches it also stops when this test process is gone.
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            preexec_fn=_die_with_this_process,
        )
        line: List[bytes] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(ready_timeout)
        if not line or not line[0]:
            self.stop()
            raise RuntimeError(f"{name} did not start: {self.stderr_path.read_text(errors='replace')[-4000:]}")
        self.info: Dict[str, Any] = json.loads(line[0])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self._stderr):
            if stream:
                stream.close()


# --------------------------------------------------------------------------------------------------
# The ClearML API peer

ACCESS_KEY = "cleargate-access"
SECRET_KEY = "cleargate-secret"

PROJECT_ID = "5eed0000000000000000000000000001"
QUEUE_DEFAULT_ID = "5eed0000000000000000000000000002"
QUEUE_GPU_ID = "5eed0000000000000000000000000003"
TEMPLATE_ID = "5eed0000000000000000000000000004"

#: A Snap4City-like installation: a project, the default queue and a GPU queue, the training task
#: that is cloned for every run, and tasks that `Task.get_tasks` filters must tell apart.
SEED = {
    "projects": [{"id": PROJECT_ID, "name": "Snap4City", "description": "Smart-city models"}],
    "queues": [
        {"id": QUEUE_DEFAULT_ID, "name": "default", "default": True},
        {"id": QUEUE_GPU_ID, "name": "gpu"},
    ],
    "tasks": [
        {
            "id": TEMPLATE_ID,
            "name": "traffic_forecast",
            "type": "training",
            "project": PROJECT_ID,
            "status": "completed",
            "comment": "Forecasts the traffic flow of a sensor",
            "tags": ["template"],
            "hyperparams": {
                "General": {
                    "lr": {"value": "0.01", "type": "float", "description": "learning rate"},
                    "epochs": {"value": "10", "type": "int"},
                    "sensor_id": {"value": "METRO-001", "type": "str", "description": "traffic sensor"},
                },
                "Args": {"seed": {"value": "42", "type": "int"}},
            },
            "container": {
                "image": "snap4city/traffic-forecast:1.4",
                "arguments": "--ipc=host",
                "setup_shell_script": "pip install -r requirements.txt",
            },
            "script": {
                "repository": "https://github.com/snap4city/traffic-forecast.git",
                "branch": "main",
                "entry_point": "train.py",
                "working_dir": ".",
            },
            "last_iteration": 20,
            "log": ["Loading sensor data", "Forecast saved"],
        },
        {
            "name": "traffic_forecast (old regression)",
            "type": "training",
            "project": PROJECT_ID,
            "status": "completed",
            "comment": "regression baseline",
            "system_tags": ["archived"],
        },
        {
            "name": "air_quality_regression",
            "type": "training",
            "project": PROJECT_ID,
            "status": "published",
            "comment": "regression on the air-quality stations",
            "tags": ["template", "deprecated"],
        },
        {
            "name": "air_quality_cleanup",
            "type": "data_processing",
            "project": PROJECT_ID,
            "status": "completed",
            "comment": "regression input cleanup",
        },
    ],
}


class ClearmlPeer:
    def __init__(self, process: Process):
        self.process = process
        self.url: str = process.info["url"]
        self.web: str = process.info["web"]

    def _control(self, method: str, path: str, body: Optional[dict] = None) -> Any:
        import requests

        res = requests.request(method, f"{self.url}/__peer/{path}", json=body, timeout=10)
        res.raise_for_status()
        return res.json()

    def calls(self) -> Dict[str, Any]:
        """{"calls": {endpoint: count}, "writes": n, "failures": [{endpoint, version, status, subcode, message}]}"""
        return self._control("GET", "calls")

    def reset_calls(self) -> None:
        self._control("POST", "calls/reset")

    def task(self, task_id: str) -> Dict[str, Any]:
        """The task as stored, and the queues it waits in."""
        return self._control("GET", f"tasks/{task_id}")

    def revoke_tokens(self) -> None:
        self._control("POST", "revoke-tokens")


@pytest.fixture(scope="session")
def clearml_peer() -> ClearmlPeer:
    seed = SDK_HOME / "seed.json"
    seed.write_text(json.dumps(SEED))
    process = Process("clearml-peer", "tests/peers/src/clearml/main.js", ["--port", "0", "--no-agents", "--seed", str(seed)])
    peer = ClearmlPeer(process)
    allow(peer.url)
    yield peer
    process.stop()


# --------------------------------------------------------------------------------------------------
# The SDK, pointed at the peer


@pytest.fixture(scope="session")
def sdk(clearml_peer: ClearmlPeer) -> ClearmlPeer:
    """The `clearml` package configured for the peer (environment only, as on a user's machine)."""
    os.environ.update(
        {
            "CLEARML_API_HOST": clearml_peer.url,
            "CLEARML_WEB_HOST": clearml_peer.web,
            # ClearML's default file server port; nothing here uploads, and the guard would refuse it.
            "CLEARML_FILES_HOST": "http://localhost:8081",
            "CLEARML_API_ACCESS_KEY": ACCESS_KEY,
            "CLEARML_API_SECRET_KEY": SECRET_KEY,
        }
    )
    return clearml_peer


class SdkRecorder:
    """
    What went wrong for the SDK while a test ran: log records at WARNING and above, Python warnings,
    HTTP retries and connections the network guard refused.
    """

    def __init__(self) -> None:
        self.records: List[logging.LogRecord] = []
        self.warnings: List[warnings.WarningMessage] = []
        self.retries: List[str] = []
        self._refused_before = len(refused_connections)

    def problems(self) -> List[str]:
        return (
            [f"log {r.levelname} {r.name}: {r.getMessage()}" for r in self.records]
            + [f"warning {w.category.__name__}: {w.message}" for w in self.warnings]
            + [f"retry {r}" for r in self.retries]
            + [f"refused connection to {c}" for c in refused_connections[self._refused_before :]]
        )

    def clear(self) -> None:
        self.records.clear()
        self.warnings.clear()
        self.retries.clear()
        self._refused_before = len(refused_connections)


@pytest.fixture
def sdk_log(sdk: ClearmlPeer) -> SdkRecorder:
    """Records everything the SDK complains about during the test (see `SdkRecorder.problems`)."""
    import urllib3.util.retry

    recorder = SdkRecorder()

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            recorder.records.append(record)

    handler = Handler(level=logging.WARNING)
    # The SDK's "clearml" logger does not propagate to the root logger.
    loggers = [logging.getLogger(), logging.getLogger("clearml")]
    for logger in loggers:
        logger.addHandler(handler)
    real_increment = urllib3.util.retry.Retry.increment

    def increment(self, method=None, url=None, response=None, error=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        recorder.retries.append(f"{method} {url}: {error or (response.status if response is not None else '')}")
        return real_increment(self, method, url, response, error, *args, **kwargs)

    urllib3.util.retry.Retry.increment = increment  # type: ignore[method-assign]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for module in (r"clearml\.utilities\.pyhocon", "pyparsing"):
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=module)
        recorder.warnings = caught
        yield recorder
    urllib3.util.retry.Retry.increment = real_increment  # type: ignore[method-assign]
    for logger in loggers:
        logger.removeHandler(handler)


# --------------------------------------------------------------------------------------------------
# OIDC peer and ClearGate


class Oidc:
    def __init__(self, process: Process):
        self.process = process
        self.issuer: str = process.info["issuer"]

    def login(self, username: str) -> str:
        """An access token from the password grant, as Snap4City's Node-RED blocks get one (password = user name)."""
        import requests

        res = requests.post(
            f"{self.issuer}/protocol/openid-connect/token",
            data={"grant_type": "password", "client_id": "nodered-iotedge", "username": username, "password": username},
            timeout=10,
        )
        res.raise_for_status()
        return res.json()["access_token"]


@pytest.fixture(scope="session")
def oidc() -> Oidc:
    process = Process("oidc-peer", "tests/peers/src/oidc/main.js", ["--port", "0"])
    peer = Oidc(process)
    allow(peer.issuer)
    yield peer
    process.stop()


class ClearGate:
    def __init__(self, process: Process, oidc: Oidc):
        self.process = process
        self.url: str = process.info["gateway"]
        self.oidc = oidc

    def call(self, method: str, path: str, token: Optional[str] = None, body: Any = None) -> Tuple[int, Any]:
        import requests

        headers = {"authorization": f"Bearer {token}"} if token else {}
        res = requests.request(method, self.url + path, json=body, headers=headers, timeout=60)
        return res.status_code, (res.json() if res.content else None)


@pytest.fixture(scope="session")
def cleargate(clearml_peer: ClearmlPeer, oidc: Oidc) -> ClearGate:
    """registry + auth-gateway + enqueue-worker, the worker on the ClearML peer, the gateway trusting the OIDC peer."""
    process = Process(
        "cleargate",
        "tests/interop/python/support/cleargate-stack.js",
        [],
        env={
            "CLEARML_API_HOST": clearml_peer.url,
            "CLEARML_API_ACCESS_KEY": ACCESS_KEY,
            "CLEARML_API_SECRET_KEY": SECRET_KEY,
            "OIDC_ISSUER_URL": oidc.issuer,
            "INTEROP_LOG_DIR": str(LOG_DIR / "services"),
        },
    )
    gateway = ClearGate(process, oidc)
    allow(gateway.url)
    yield gateway
    process.stop()


class LlmGateway:
    """ClearGate's OpenAI-compatible API in front of the serving peer's vLLM stand-in."""

    def __init__(self, process: Process, oidc: Oidc):
        self.process = process
        self.url: str = process.info["gateway"]
        self.serving: str = process.info["serving"]
        self.oidc = oidc

    def peer(self, method: str, body: Optional[dict] = None) -> Any:
        """The stand-in's control route: GET lists models, behaviour and requests; PATCH sets behaviour; DELETE resets."""
        import requests

        res = requests.request(method, f"{self.serving}/__peer/llm", json=body, timeout=10)
        res.raise_for_status()
        return res.json() if res.content else None

    def call_log(self, endpoint: str) -> List[Dict[str, Any]]:
        """The on-demand call log of `endpoint`, newest first, as an administrator reads it."""
        import requests

        token = self.oidc.login("rootadmin")
        res = requests.get(
            f"{self.url}/v1/logs/ondemand", params={"endpoint": endpoint, "limit": 100}, headers={"authorization": f"Bearer {token}"}, timeout=10
        )
        res.raise_for_status()
        return res.json()["items"]


@pytest.fixture(scope="session")
def llm_gateway(oidc: Oidc) -> LlmGateway:
    """registry + ondemand-router + auth-gateway, an `openai` machine `vllm-1` serving `llama` and `embedder`."""
    process = Process(
        "cleargate-llm",
        "tests/interop/python/support/llm-stack.js",
        [],
        env={"OIDC_ISSUER_URL": oidc.issuer, "INTEROP_LOG_DIR": str(LOG_DIR / "services")},
    )
    gateway = LlmGateway(process, oidc)
    allow(gateway.url)
    allow(gateway.serving)
    yield gateway
    process.stop()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(SDK_HOME, ignore_errors=True)
