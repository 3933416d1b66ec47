"""Several machines, whatever the framework: each worker holds its own HOST:PORT and waits until every other worker's
port answers, so that a worker that never comes, or a port another program holds, is named in words before the
framework's own join (which would wait without end, or fail with a gRPC message) starts."""

from __future__ import annotations

import socket
import time

from ...core.config import BenchmarkConfig, parse_address


class ClusterUnreachable(RuntimeError):
    """Some workers of the cluster did not join within the timeout. `addresses`: the ones that did not answer."""

    def __init__(self, message: str, addresses: list[str]):
        super().__init__(message)
        self.addresses = addresses


class PortInUse(RuntimeError):
    """This worker's own HOST:PORT is taken by another program."""


def listen_on_own_port(config: BenchmarkConfig) -> socket.socket:
    """Hold this worker's port while the others are looked for (TensorFlow's server would fail on a taken port with
    a gRPC message: say it plainly), and so that they can see this worker is up."""
    host, port = parse_address(config.cluster[config.task_index])
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("", port))
        s.listen(64)
    except OSError as exc:
        s.close()
        raise PortInUse(f"port {port} of this worker ({config.cluster[config.task_index]}) is in use by another "
                        f"program ({exc.strerror or exc})") from None
    return s


def reachable(address: str, timeout_s: float = 1.0) -> bool:
    host, port = parse_address(address)
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
        return True
    except OSError:
        return False


LINGER_S = 2.0  # keep listening this long after seeing every worker, so that the last to look sees this one too


def rendezvous(config: BenchmarkConfig, poll_s: float = 0.5) -> None:
    """Wait until every other worker's port answers (its rendezvous or its TensorFlow server), at most
    `cluster_timeout_s`. TensorFlow's own join would wait for a missing worker without end, inside a call that
    holds the interpreter; this wait is ours, so a missing worker is named."""
    listener = listen_on_own_port(config)
    try:
        deadline = time.monotonic() + config.cluster_timeout_s
        pending = [a for i, a in enumerate(config.cluster) if i != config.task_index]
        while True:
            pending = [a for a in pending if not reachable(a)]
            if not pending or time.monotonic() >= deadline:
                break
            time.sleep(poll_s)
        if pending:
            raise ClusterUnreachable(
                f"worker(s) {', '.join(pending)} did not answer within {config.cluster_timeout_s:g} s: start dlbench "
                f"with the same --cluster on each machine (task indexes 0–{len(config.cluster) - 1}) and check that "
                "the ports are open between them", pending)
        time.sleep(LINGER_S)
    finally:
        listener.close()  # connections never accepted are reset: no TIME_WAIT left on the port for TensorFlow
