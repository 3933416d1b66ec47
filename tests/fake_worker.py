"""A stand-in worker child for tests of the parent's supervision (watchdog, heartbeats, disk full, checkpoints).

Run as `python tests/fake_worker.py MODE`: it reads the runner's request on stdin like the real worker and speaks
the same wire, but does no TensorFlow work. The modes are facts injected on purpose, named in each test.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlbench_gui.bench.worker.wire import Emitter  # noqa: E402  (the real emitter, heartbeat thread included)
from dlbench_gui.core.wire import events as ev  # noqa: E402


def main(mode: str) -> int:
    request = json.loads(sys.stdin.readline())
    em = Emitter(sys.stdout, heartbeat_s=request["heartbeat_s"])
    em.emit(ev.Hello(software={"tf_gpus": []}, gpu_memory_limit={}, pid=os.getpid()))
    if mode == "silent":  # says hello, then nothing at all (no heartbeat thread): a hung child
        time.sleep(600)
    elif mode == "slow-phase":  # one phase longer than the watchdog, kept alive only by heartbeats
        em.start_heartbeat()
        em.emit(ev.Phase(phase="building"))
        time.sleep(float(os.environ.get("FAKE_PHASE_S", "14")))
        em.emit(ev.Result(task=request["task"], extra={"probe": {"peak_rss_bytes": 1}}))
    elif mode == "checkpoint-then-crash":  # leaves a checkpoint and a half-written one, then fails
        ckpt = request["checkpoint_path"]
        Path(ckpt).write_bytes(b"PK\x03\x04 a checkpoint")
        Path(ckpt + ".tmp.keras").write_bytes(b"PK\x03\x04 half")
        em.emit(ev.Error(kind="crash", message="injected failure after a checkpoint save"))
        return 1
    elif mode == "chatty":  # keeps reporting progress (the journal gets written), never finishes
        for i in range(6000):
            em.emit(ev.Phase(phase="training", epoch=i + 1, epochs=6000))
            time.sleep(0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
