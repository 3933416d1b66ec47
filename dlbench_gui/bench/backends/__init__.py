"""The frameworks a worker runs on, each behind the one interface of `base.Backend`: everything that differs between
frameworks (devices, memory limits and peaks, the input pipeline, multi-device set-up, version facts) lives in one
module per framework, and the worker's tasks know none of them by name."""


def backend_for(name: str = "tensorflow"):
    """The backend object by name (imported lazily: choosing one loads only its framework)."""
    if name == "tensorflow":
        from .tensorflow import TensorFlowBackend

        return TensorFlowBackend()
    if name == "jax":
        from .jax import JaxBackend

        return JaxBackend()
    raise ValueError(f"unknown backend {name!r}")
