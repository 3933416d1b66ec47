"""tf.distribute end to end, on this machine: real TensorFlow, real `dlbench run` processes, real reports.

Several devices: the CPU split into two logical devices (MirroredStrategy). Several machines: two worker processes
on 127.0.0.1 (MultiWorkerMirroredStrategy with tf_keras). No GPU ran any of this: the GPU branch of `--devices`
(N of the machine's GPUs) is unrun here."""

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import PY, ROOT
from tests.integration.test_engine import check_contract

pytestmark = pytest.mark.slow

TINY = ["--model", "model_a", "--dataset", "mnist", "--profile", "custom", "--epochs", "1", "--train-samples", "640",
        "--val-samples", "128", "--data", "synthetic", "--weights", "random"]


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def start(args, home, log):
    env = {**os.environ, "DLBENCH_HOME": str(home)}
    return subprocess.Popen([PY, "-m", "dlbench_gui", "run", *args], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, text=True)


def run(args, home, tmp_path, name):
    with open(tmp_path / f"{name}.log", "w") as log:
        p = start(args, home, log)
        rc = p.wait(timeout=600)
    return rc, (tmp_path / f"{name}.log").read_text()


def test_two_logical_cpu_devices_train_mirrored_with_the_published_global_batch_and_a_scaling_efficiency(tmp_path):
    home = tmp_path / "home"
    rc, log = run([*TINY, "--output", str(tmp_path / "one.json")], home, tmp_path, "one")
    assert rc == 0, log[-3000:]
    rc, log = run([*TINY, "--cpu-devices", "2", "--devices", "2", "--output", str(tmp_path / "r.json")], home,
                  tmp_path, "two")
    assert rc == 0, log[-3000:]
    check_contract(tmp_path / "r.json")
    r = json.loads((tmp_path / "r.json").read_text())
    one = json.loads((tmp_path / "one.json").read_text())
    d = r["distribution"]
    assert d["strategy"] == "MirroredStrategy" and d["replicas"] == 2 and d["workers"] == 1
    assert len(d["devices"]) == 2 and all("CPU" in x for x in d["devices"])
    assert d["global_batch_size"] == 64 and d["per_replica_batch_size"] == 32 and d["scaling"] == "strong"
    eff = d["scaling_efficiency"]
    assert eff["one_device_run"] == one["run_id"] and eff["replicas"] == 2
    expected = r["timing"]["steady_images_per_s"] / (2 * one["timing"]["steady_images_per_s"])
    assert eff["value"] == pytest.approx(expected)
    assert not one.get("distribution")  # the published single device: no strategy at all
    assert "Scaling efficiency" in log and "MirroredStrategy" in log


def test_weak_scaling_doubles_the_global_batch_and_is_said_not_comparable(tmp_path):
    out = tmp_path / "w.json"
    rc, log = run([*TINY, "--cpu-devices", "2", "--devices", "2", "--scaling", "weak", "--output", str(out)],
                  tmp_path / "home", tmp_path, "weak")
    assert rc == 0, log[-3000:]
    r = json.loads(out.read_text())
    assert r["config"]["batch_size"] == 128 and r["config"]["steps_per_epoch"] == 5
    assert r["distribution"]["global_batch_size"] == 128 and r["distribution"]["per_replica_batch_size"] == 64
    assert "not the published 64" in log


def _cluster_args(ports, i, *more):
    return [*TINY, "--cluster", ",".join(f"127.0.0.1:{p}" for p in ports), "--task-index", str(i), *more]


def test_two_local_workers_train_in_step_and_each_writes_its_report(tmp_path):
    ports = free_ports(2)
    procs, logs = [], []
    for i in (0, 1):
        logs.append(open(tmp_path / f"w{i}.log", "w"))
        procs.append(start(_cluster_args(ports, i, "--output", str(tmp_path / f"r{i}.json")), tmp_path / f"h{i}",
                           logs[-1]))
        time.sleep(3)  # the second worker starts late: the first waits for it
    for p in procs:
        assert p.wait(timeout=600) == 0, (tmp_path / "w0.log").read_text()[-2000:] + (tmp_path / "w1.log").read_text()[-2000:]
    reports = [json.loads((tmp_path / f"r{i}.json").read_text()) for i in (0, 1)]
    for i, r in enumerate(reports):
        check_contract(tmp_path / f"r{i}.json")
        d = r["distribution"]
        assert d["workers"] == 2 and d["replicas"] == 2 and d["task_index"] == i and d["keras_package"] == "tf_keras"
        assert d["strategy"] == "MultiWorkerMirroredStrategy" and d["chief"] is (i == 0)
        assert r["software"]["keras_package"] == "tf_keras" and r["timing"]["inference"]["total_s"] > 0
    assert reports[0]["distribution"]["cluster"] == [f"127.0.0.1:{p}" for p in ports]
    assert reports[0]["distribution"]["cluster_run"] == reports[1]["distribution"]["cluster_run"]
    assert reports[0]["timing"]["epochs"][-1]["loss"] == reports[1]["timing"]["epochs"][-1]["loss"]


def _command_line(proc):
    """A process's command line, or '' once it has ended (a short-lived helper can be a zombie by the time it is read:
    a fresh-clone run of the suite once failed here, reading one)."""
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def _worker_child(runner_pid):
    for _ in range(600):
        kids = [c for c in psutil.Process(runner_pid).children() if "--worker" in _command_line(c)]
        if kids:
            return kids[0]
        time.sleep(0.1)
    raise AssertionError("no worker child")


def kill_second_worker_mid_run(tmp_path, args):
    """Two cluster workers of `dlbench run ARGS --cluster …` on 127.0.0.1; the second's training child killed with
    SIGKILL once it trains. Returns (the ports, the survivor's report, the killed worker's report, every pid seen)."""
    ports = free_ports(2)
    procs = []
    for i in (0, 1):
        log = open(tmp_path / f"k{i}.log", "w")
        procs.append(start(_cluster_args(ports, i, *args, "--output", str(tmp_path / f"k{i}.json")), tmp_path / f"h{i}",
                           log))
    victim = _worker_child(procs[1].pid)
    deadline = time.monotonic() + 300
    while "step " not in (tmp_path / "k1.log").read_text() and time.monotonic() < deadline:
        time.sleep(0.5)  # training, in step with the other worker
    everyone = [p.pid for p in procs] + [c.pid for p in procs for c in psutil.Process(p.pid).children(recursive=True)]
    victim.kill()
    for p in procs:
        assert p.wait(timeout=300) == 1
    lost, killed = (json.loads((tmp_path / f"k{i}.json").read_text()) for i in (0, 1))
    return ports, lost, killed, everyone


def still_running(pids, within_s=10.0):
    """The PIDS still running once each has had WITHIN_S to end (a reaped or zombie process has ended)."""
    procs = []
    for pid in pids:
        try:
            procs.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=within_s)
    return [p.pid for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_killing_one_worker_mid_run_fails_both_with_the_worker_named_and_leaves_no_process(tmp_path):
    ports, lost, killed, everyone = kill_second_worker_mid_run(tmp_path, ["--epochs", "3", "--train-samples", "6400"])
    assert lost["status"] == killed["status"] == "failed"
    assert lost["error"]["kind"] == "worker_lost", lost["error"]
    assert lost["error"]["worker"] == {"task_index": 1, "address": f"127.0.0.1:{ports[1]}"}
    assert f"worker 1 (127.0.0.1:{ports[1]}) was lost" in lost["error"]["message"]
    assert killed["error"]["kind"] == "crash" and killed["error"]["worker"]["task_index"] == 1
    assert "killed by signal SIGKILL" in killed["error"]["message"]
    assert not still_running(everyone)


def test_a_worker_that_never_comes_and_a_port_in_use_are_named_in_one_line(tmp_path):
    ports = free_ports(2)
    out = tmp_path / "u.json"
    t = time.monotonic()
    rc, log = run(_cluster_args(ports, 0, "--cluster-timeout", "6", "--output", str(out)), tmp_path / "h", tmp_path, "u")
    assert rc == 1 and time.monotonic() - t < 120
    r = json.loads(out.read_text())
    assert r["error"]["kind"] == "cluster_unreachable" and f"127.0.0.1:{ports[1]}" in r["error"]["message"]
    assert "Traceback" not in log
    with socket.socket() as taken:
        taken.bind(("", ports[0]))
        taken.listen()
        rc, log = run(_cluster_args(ports, 0, "--cluster-timeout", "6", "--output", str(out)), tmp_path / "h", tmp_path,
                      "p")
    assert rc == 1
    r = json.loads(out.read_text())
    assert r["error"]["kind"] == "port_in_use" and f"port {ports[0]}" in r["error"]["message"]
    assert Path(out).exists() and "Traceback" not in log
