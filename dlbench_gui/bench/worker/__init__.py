"""The worker child: reads one request as JSON on stdin, runs it, and reports JSON-lines events on stdout.

Started as `python -m dlbench_gui --worker` (or the frozen executable with `--worker`), one per benchmark (or one
per model of a quick session, shared between its datasets). `main` reads the request and runs its task:
`train`, `infer`, `probe` or `describe`, each a module here; the framework behind them is a backend
(`bench/backends`), chosen once in `main`."""
