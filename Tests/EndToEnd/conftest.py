"""Harness for the end-to-end suite: real `entente` processes on loopback.

Each node is `entente init` + `entente serve` in its own data directory; the
tests talk to it only as a user would, through the CLI, HTTP, or a browser.
"""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ENTENTE = os.environ.get("ENTENTE_BIN", str(Path(__file__).resolve().parents[2] / ".build" / "debug" / "entente"))
POSTGRES_URL = os.environ.get("ENTENTE_TEST_POSTGRES_URL")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_range(count):
    """The first of `count` consecutive ports that are all free now."""
    import random
    for _ in range(200):
        base = random.randint(20000, 60000)
        sockets = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free port range")


def run(*args, input=None, check=True, timeout=60, ca_file=None):
    """Runs the CLI and returns its completed process; fails the test with its output if it fails."""
    env = dict(os.environ, ENTENTE_CA_FILE=ca_file) if ca_file else None
    result = subprocess.run([ENTENTE, *args], input=input, capture_output=True, text=True, timeout=timeout, env=env)
    if check and result.returncode != 0:
        pytest.fail(f"entente {' '.join(args)} exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}")
    return result


def wait_until(description, condition, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting until {description}")


def postgres_database(admin_url):
    """Creates a fresh database on the test server and returns its URL."""
    name = "entente_e2e_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return admin_url.rsplit("/", 1)[0] + "/" + name


# What administers a node is the operator's (its operator token); everything else a person does,
# and the political acts among it only a diplomatic Point of Contact: the harness acts as one,
# "desk", with a personal API token, unless the command or path is the operator's.
OPERATOR_COMMANDS = {("peer",), ("user",), ("outbox",), ("keys",), ("taxii", "add-collection"), ("taxii", "add-account"),
                     ("taxii", "accounts"), ("taxii", "subscribe"), ("log", "audit")}
OPERATOR_PATHS = ("/api/v1/peers", "/api/v1/users", "/api/v1/outbox/retry", "/api/v1/taxii/accounts", "/api/v1/taxii/subscriptions",
                  "/api/v1/log/audit")


def operator_only(method, path):
    bare = path.split("?")[0]
    if bare.startswith("/api/v1/users") or bare.startswith("/api/v1/taxii/accounts"):
        return True
    return method != "GET" and (bare.startswith(OPERATOR_PATHS) or bare == "/api/v1/taxii/collections")


class Node:
    def __init__(self, root, participant, name=None, database=None, tls=None):
        """`tls`: (certificate chain file, key file, CA file) to serve HTTPS with a certificate from a test CA."""
        self.id = participant
        self.port = free_port()
        self.tls = tls
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.data = str(root / participant.lower())
        self.database = database
        self.process = None
        self.log_path = root / f"{participant.lower()}.log"
        self.log = open(self.log_path, "a")
        out = run("init", "--data", self.data, "--id", participant, "--name", name or f"Node {participant}", "--kind", "state",
                  "--url", self.url, "--poc", f"technical|{participant} CERT|cert@{participant.lower()}.example|en|UTC|24/7", "--json")
        self.fingerprint = json.loads(out.stdout)["fingerprint"]
        self.person_token = None

    @property
    def ca_file(self):
        return self.tls[2] if self.tls else None

    def urlopen(self, request, timeout):
        import ssl
        context = ssl.create_default_context(cafile=self.ca_file) if self.tls else None
        return urllib.request.urlopen(request, timeout=timeout, context=context)

    def start(self, *extra):
        args = [ENTENTE, "serve", "--data", self.data, "--port", str(self.port), *extra]
        if self.tls:
            args += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1], "--trusted-roots", self.tls[2]]
        if self.database:
            args += ["--database", self.database]
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(f"{self.id} is healthy", self.healthy)
        if self.person_token is None:
            run("user", "add", "--data", self.data, "--username", "desk", "--name", f"{self.id} cyber desk", "--role", "diplomatic-poc",
                input=f"entente-test-{self.id.lower()}-password\n", ca_file=self.ca_file)
            self.person_token = run("user", "token", "--data", self.data, "--username", "desk", ca_file=self.ca_file).stdout.strip()
        return self

    def healthy(self):
        try:
            with self.urlopen(self.url + "/health", timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)
        self.process = None

    def kill(self):
        """kill -9: no chance to flush or clean up."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def cli(self, *args, operator=None, **kwargs):
        """`entente COMMAND [SUBCOMMAND] --data DIR [--token PERSON] ARGS…`"""
        depth = 2 if args[0] in ("peer", "user", "case", "forum", "agreement", "norms", "cbm", "capacity", "drill", "taxii", "directory", "log") else 1
        if operator is None:
            operator = tuple(args[:1]) in OPERATOR_COMMANDS or tuple(args[:2]) in OPERATOR_COMMANDS or self.person_token is None
        token = [] if operator else ["--token", self.person_token]
        return run(*args[:depth], "--data", self.data, *token, *args[depth:], ca_file=self.ca_file, **kwargs)

    def json(self, *args):
        return json.loads(self.cli(*args, "--json").stdout)

    def api(self, method, path, body=None, operator=None):
        if operator is None:
            operator = operator_only(method, path) or self.person_token is None
        token = Path(self.data, "operator-token").read_text().strip() if operator else self.person_token
        request = urllib.request.Request(self.url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with self.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")


@pytest.fixture
def federation(tmp_path):
    """A factory of started nodes that are all pinned to each other; stops them afterwards."""
    nodes = []

    def make(*participants, database=None):
        created = []
        for participant in participants:
            node = Node(tmp_path, participant, database=database(participant) if callable(database) else database).start()
            created.append(node)
            nodes.append(node)
        for node in created:
            for other in created:
                if other is not node:
                    node.cli("peer", "add", other.url, "--fingerprint", other.fingerprint)
        return created

    yield make
    for node in nodes:
        node.stop()
