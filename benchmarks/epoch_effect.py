"""Why is epoch 2 slower than epoch 1? Bare Keras, Model A, synthetic data; one fresh process per variant.

Variants: plain (no validation, no save), val (validation_data each epoch), save (model.save at each epoch end),
val+save (what a protocol run does). For each epoch: median step time, and the CPU seconds each of the
process's threads used during that epoch (to catch a background thread competing for the 2 cores).

Usage: python benchmarks/epoch_effect.py [STEPS_PER_EPOCH] [EPOCHS] [VARIANT ...]
"""

import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child(variant: str, steps: int, epochs: int) -> dict:
    import numpy as np
    import psutil

    sys.path.insert(0, ROOT)
    import keras

    from dlbench_gui.bench.models import build_model, compile_model

    proc = psutil.Process()
    batch = 64
    n = steps * batch
    rng = np.random.default_rng(0)
    x = rng.random((n, 32, 32, 3), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    xv, yv = x[: 10 * batch], y[: 10 * batch]
    model = build_model("model_a")
    compile_model(model)
    path = os.path.join(tempfile.mkdtemp(), "m.keras")

    def thread_times():
        return {t.id: t.user_time + t.system_time for t in proc.threads()}

    class CB(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.steps, self.last, self.t0 = [], time.perf_counter(), thread_times()

        def on_train_batch_end(self, batch, logs=None):
            now = time.perf_counter()
            self.steps.append(now - self.last)
            self.last = now

        def on_epoch_end(self, epoch, logs=None):
            t1 = thread_times()
            busy = sorted(((t1[k] - self.t0.get(k, 0.0)) for k in t1), reverse=True)
            s = sorted(self.steps[1:] if epoch == 0 else self.steps)
            rec = {"epoch": epoch + 1, "median_step_s": s[len(s) // 2], "mean_step_s": sum(s) / len(s),
                   "first_step_s": self.steps[0],
                   "threads": len(t1), "top_thread_cpu_s": [round(b, 2) for b in busy[:6]],
                   "steps_wall_s": sum(self.steps)}
            records.append(rec)
            if "save" in variant:
                model.save(path)

    records: list = []
    kw = {"validation_data": (xv, yv)} if "val" in variant else {}
    if "noat" in variant:  # Keras' own pipeline for arrays, with tf.data autotuning switched off
        import tensorflow as tf
        from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

        ds = ArrayDataAdapter(x, y, batch_size=batch, shuffle=True).get_tf_dataset()
        options = tf.data.Options()
        options.autotune.enabled = False
        model.fit(ds.with_options(options), epochs=epochs, verbose=0, callbacks=[CB()], **kw)
        return {"variant": variant, "epochs": records}
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, shuffle=True, callbacks=[CB()], **kw)
    return {"variant": variant, "epochs": records}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
        return 0
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    variants = sys.argv[3:] or ["plain", "val", "save", "val+save"]
    for v in variants:
        t = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, "--child", v, str(steps), str(epochs)], capture_output=True,
                             text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        if out.returncode:
            print(out.stderr[-2000:])
            return 1
        r = json.loads(out.stdout.strip().splitlines()[-1])
        base = r["epochs"][0]["median_step_s"]
        print(f"{v:9s} ({time.perf_counter() - t:.0f} s)")
        for e in r["epochs"]:
            print(f"   epoch {e['epoch']}: first step {e['first_step_s']:.2f} s, median step {e['median_step_s']:.4f} s ({e['median_step_s'] / base:.3f}x epoch 1)"
                  f"  threads {e['threads']}  busiest threads CPU s {e['top_thread_cpu_s']}  steps wall {e['steps_wall_s']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
