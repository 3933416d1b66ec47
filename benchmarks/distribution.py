"""The tf.distribute engine's overhead on this machine, side by side: Model A on one device, on two logical CPU devices
(MirroredStrategy), and as two local workers (MultiWorkerMirroredStrategy, tf_keras), in rotating order for ROUNDS
rounds. `python benchmarks/distribution.py [ROUNDS]` (default 2).

On a 2-core CPU nothing can speed up: the two replicas share the same cores. The figures are the engine's cost (and
the scaling efficiency it reports), not a scaling claim. Prints one JSON line per run, then each round's ratios of
steady step time against the one-device run of the same round."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

from common import PY, ROOT, cli_run

TINY = ("--model", "model_a", "--dataset", "mnist", "--data", "synthetic", "--weights", "random", "--profile", "custom",
        "--epochs", "1", "--train-samples", "1920", "--val-samples", "128")


def facts(r: dict, wall: float, how: str) -> dict:
    t = r["timing"]
    d = r.get("distribution") or {}
    return {"how": how, "status": r["status"], "replicas": d.get("replicas", 1), "workers": d.get("workers", 1),
            "steady_step_s": round(t["steady_step_s"], 4), "steady_images_per_s": round(t["steady_images_per_s"], 1),
            "first_step_s": round(t["first_step_s"], 2), "execution_s": round(t["execution_time_s"], 1),
            "final_loss": t["epochs"][-1]["loss"], "wall_s": round(wall, 1),
            "other_cpu_share": round((r["findings"].get("interference") or {}).get("other_cpu_share") or 0, 3)}


def two_workers() -> tuple[list[dict], float]:
    socks = [socket.socket() for _ in range(2)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    cluster = ",".join(f"127.0.0.1:{s.getsockname()[1]}" for s in socks)
    for s in socks:
        s.close()
    home = tempfile.mkdtemp(prefix="dlbench-bench-")
    t = time.perf_counter()
    procs = [subprocess.Popen([PY, "-m", "dlbench_gui", "run", *TINY, "--cluster", cluster, "--task-index", str(i),
                               "--quiet", "--output", os.path.join(home, f"w{i}.json")], cwd=ROOT,
                              env={**os.environ, "DLBENCH_HOME": os.path.join(home, str(i))},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for i in (0, 1)]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"a worker failed:\n{err[-3000:]}")
    wall = time.perf_counter() - t
    return [json.load(open(os.path.join(home, f"w{i}.json"))) for i in (0, 1)], wall


def one(how: str) -> dict:
    if how == "1 device":
        r, wall = cli_run(*TINY)
        return facts(r, wall, how)
    if how == "2 logical CPU devices":
        r, wall = cli_run(*TINY, "--cpu-devices", "2", "--devices", "2")
        return facts(r, wall, how)
    (chief, other), wall = two_workers()
    out = facts(chief, wall, how)
    out["same_final_loss"] = chief["timing"]["epochs"][-1]["loss"] == other["timing"]["epochs"][-1]["loss"]
    return out


def main(rounds: int) -> None:
    kinds = ["1 device", "2 logical CPU devices", "2 local workers"]
    for i in range(rounds):
        order = kinds[i % 3:] + kinds[:i % 3]
        got = {k: one(k) for k in order}
        for k in order:
            print(json.dumps(got[k]), flush=True)
        base = got["1 device"]["steady_step_s"]
        print(json.dumps({"round": i + 1, "order": order,
                          "steady_step_over_1_device": {k: round(got[k]["steady_step_s"] / base, 3) for k in kinds[1:]},
                          "throughput_over_1_device": {k: round(got[k]["steady_images_per_s"] /
                                                                got["1 device"]["steady_images_per_s"], 3)
                                                       for k in kinds[1:]}}), flush=True)


if __name__ == "__main__":
    t0 = time.time()
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    print(f"# {time.time() - t0:.0f} s", file=sys.stderr)
