"""The setup: what to run (models, datasets, data source, profile, precision, repeats, devices), the prediction
of how long it takes, and Start / Stop."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ..core import frameworks
from ..core.backend_choice import as_published, choose_backend
from ..core.config import (DATASET_NAMES, DEFAULT_QUICK_BUDGET_S, KERNELS_DATASET, KERNELS_MODEL, KERNELS_PRECISION,
                           KERNELS_PROTOCOL, MAX_DEVICES, MODEL_NAMES, MODELS, PROTOCOL_BATCH_SIZE, PROTOCOL_EPOCHS,
                           PROTOCOL_TRAIN_SAMPLES, PROTOCOL_VAL_SAMPLES, PUBLISHED_PROTOCOL, BenchmarkConfig,
                           ConfigError, expand_selection, kernels_config)
from ..core.plan import SessionPlan, plan_session
from ..core.store import datasources
from ..core.view.words import prediction_words

PROFILE_ITEMS = [("quick", "Quick estimate", "measure briefly, estimate the published 100 epochs with an interval"),
                 ("full", "Full protocol", "the published protocol, 100 epochs, measured"),
                 ("custom", "Custom", "your own epochs, batch size and image counts"),
                 ("kernels", "Simple kernels", "the authors' quicker test; convolve2d estimated from a quick pass"),
                 ("kernels_full", "Kernels, measured", "the simple kernels with convolve2d's 10 epochs measured")]
KERNELS_PROFILES = {"kernels": False, "kernels_full": True}  # the simple kernels: convolve2d measured in full or not
PRECISION_ITEMS = [("float32", "float32", "as the models were published"),
                   ("mixed_float16", "mixed float16", "as the simple kernels were published; fast on GPUs only"),
                   ("mixed_bfloat16", "mixed bfloat16", "Keras' mixed bfloat16")]
# Short texts (a narrow column cuts a long one: "Auto (Keras → imported → syr"); each item's whole meaning is its
# tooltip, and the line under the box says what was chosen and why.
BACKEND_ITEMS = [(frameworks.AUTO, "Auto", f"{frameworks.PUBLISHED.label} as published, or the first framework of "
                                           "the others that can drive this machine's GPU"),
                 *((f.name, f.label, f.blurb) for f in frameworks.OFFERED)]
SCALING_ITEMS = [("strong", "strong: the batch of 64 split"), ("weak", "weak: 64 per device")]
CPU_SPLIT_MAX = 8  # without a GPU, the CPU may be split into this many logical devices (a test of the path, not speed)
DATA_ITEMS = [("auto", "Auto", "Keras' cache or a download, else an imported folder, else a synthetic stand-in"),
              ("keras", "Keras", "Keras' cache or a download only"),
              ("synthetic", "Synthetic", "random images with the real shapes: timings are valid, accuracy is not")]


class WheelOnlyWhenFocused:
    """A spin box or combo box that takes the mouse wheel only once clicked or tabbed into: scrolling the setup
    column over it must not change a setting (#26: the wheel turned Quick into Custom and 45 s into 25 s)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no focus from the wheel itself

    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # to the scroll area around it


class SpinBox(WheelOnlyWhenFocused, QSpinBox):
    pass


class DoubleSpinBox(WheelOnlyWhenFocused, QDoubleSpinBox):
    pass


class ComboBox(WheelOnlyWhenFocused, QComboBox):
    pass


def spin(low: int, high: int, value: int, step: int = 1) -> QSpinBox:
    s = SpinBox()
    s.setRange(low, high)
    s.setValue(value)
    s.setSingleStep(step)
    s.setGroupSeparatorShown(True)
    return s


def combo(items: list[tuple[str, ...]], tooltip: str | None = None, min_chars: int | None = None) -> QComboBox:
    """A choice among (key, text) items; `min_chars`: it sizes to that many characters, not to its longest text."""
    c = ComboBox()
    for key, text, *meaning in items:
        c.addItem(text, key)
        if meaning:  # the whole meaning, in the item's tooltip
            c.setItemData(c.count() - 1, meaning[0], Qt.ItemDataRole.ToolTipRole)
    if tooltip:
        c.setToolTip(tooltip)
    if min_chars:
        c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        c.setMinimumContentsLength(min_chars)
    return c


def action_bar(panel: "SetupPanel") -> QWidget:
    """The prediction and Start / Stop, which the window keeps below the scrolling column: on a short screen they
    never scroll out of view."""
    actions = QWidget()
    bar = QVBoxLayout(actions)
    bar.setContentsMargins(6, 4, 6, 4)
    panel.prediction = QLabel()
    panel.prediction.setWordWrap(True)
    panel.prediction.setStyleSheet("font-weight: bold;")
    bar.addWidget(panel.prediction)
    panel.start_button = QPushButton("Start  (Ctrl+R)")
    panel.stop_button = QPushButton("Stop  (Esc)")
    panel.stop_button.setEnabled(False)
    panel.start_button.setStyleSheet("font-weight: bold; padding: 6px;")
    buttons = QHBoxLayout()
    buttons.addWidget(panel.start_button)
    buttons.addWidget(panel.stop_button)
    bar.addLayout(buttons)
    return actions


class SetupPanel(QGroupBox):
    changed = Signal()
    import_requested = Signal()

    def __init__(self, parent=None):
        super().__init__("Setup", parent)
        layout = QVBoxLayout(self)
        self._build_selection(layout)
        layout.addWidget(QLabel("<b>Profile</b>"))
        self.profile_combo = combo(PROFILE_ITEMS, "Quick: measure briefly and estimate the published protocol. Full: "
                                   "run it. Simple kernels: the authors' quicker test (dense and sparse matrix products "
                                   "on the CPU, then a small network, convolve2d), compared with the same four setups; "
                                   "quick estimates convolve2d, measured runs its 10 epochs.", min_chars=14)
        layout.addWidget(self.profile_combo)
        form = QFormLayout()
        self.epochs = spin(1, 10_000, PROTOCOL_EPOCHS)
        self.batch = spin(1, 65_536, PROTOCOL_BATCH_SIZE)
        self.train_samples = spin(1, PROTOCOL_TRAIN_SAMPLES, PROTOCOL_TRAIN_SAMPLES, step=1000)
        self.val_samples = spin(1, PROTOCOL_VAL_SAMPLES, PROTOCOL_VAL_SAMPLES, step=1000)
        self.budget = spin(5, 3600, int(DEFAULT_QUICK_BUDGET_S), step=5)
        self.budget.setSuffix(" s")
        self.budget.setToolTip("Quick estimate: at most this long for the measured steps of each model and dataset. "
                               "It is a cap: a run stops sooner once its steps' mean is known to ±2%.")
        self.precision_combo = combo(PRECISION_ITEMS, "Keras' mixed precision (the output layer stays float32). The "
                                     "published figures are float32; another precision is compared only under its "
                                     "label.")
        self.repeat = spin(1, 20, 1)
        self.repeat.setToolTip("Independent runs of each model and dataset, combined into a mean with its interval")
        for label, widget in (("Epochs:", self.epochs), ("Batch size:", self.batch),
                              ("Training images:", self.train_samples), ("Validation images:", self.val_samples),
                              ("Quick budget:", self.budget), ("Precision:", self.precision_combo),
                              ("Repeat:", self.repeat)):
            form.addRow(label, widget)
        self._build_devices(form)
        layout.addLayout(form)
        layout.addStretch(1)
        self.actions = action_bar(self)
        self.was_kernels = False
        self._connect_changes()
        self._profile_changed()

    def _build_selection(self, layout: QVBoxLayout) -> None:
        """Models, datasets (each with where its data would come from) and the data source."""
        self.model_boxes = {m: QCheckBox(MODEL_NAMES[m]) for m in MODELS}
        self.dataset_boxes = {d: QCheckBox(DATASET_NAMES[d]) for d in DATASET_NAMES}
        self.dataset_state = {d: QLabel() for d in DATASET_NAMES}
        layout.addWidget(QLabel("<b>Models</b>"))
        for box in self.model_boxes.values():
            box.setChecked(True)
            layout.addWidget(box)
        layout.addWidget(QLabel("<b>Datasets</b>"))
        for d, box in self.dataset_boxes.items():
            box.setChecked(True)
            layout.addWidget(box)
            st = self.dataset_state[d]
            st.setWordWrap(True)
            st.setStyleSheet("color: #666; margin-left: 22px;")
            layout.addWidget(st)
        row = QHBoxLayout()
        self.data_combo = combo(DATA_ITEMS, min_chars=14)  # long item texts must not widen the column
        self.import_button = QPushButton("Import folder…")
        self.import_button.setToolTip("Copy the four MNIST IDX .gz files (or a Keras .npz) into dlbench's data folder")
        self.import_button.clicked.connect(self.import_requested)
        row.addWidget(self.data_combo, 1)
        row.addWidget(self.import_button)
        layout.addWidget(QLabel("<b>Data source</b>"))
        layout.addLayout(row)

    def _connect_changes(self) -> None:
        for w in (*self.model_boxes.values(), *self.dataset_boxes.values()):
            w.toggled.connect(self.changed)
        for w in (*self.spins().values(), self.devices):
            w.valueChanged.connect(self.changed)
        self.devices.valueChanged.connect(self._devices_changed)
        for c in (self.scaling_combo, self.data_combo, self.precision_combo, self.backend_combo):
            c.currentIndexChanged.connect(self.changed)
        self.backend_combo.currentIndexChanged.connect(self._backend_changed)
        self.profile_combo.currentIndexChanged.connect(self._profile_changed)

    def spins(self) -> dict[str, QSpinBox]:
        """The numbers of the setup, by their settings key."""
        return {"epochs": self.epochs, "batch_size": self.batch, "train_samples": self.train_samples,
                "val_samples": self.val_samples, "quick_budget_s": self.budget, "repeat": self.repeat}

    def _build_devices(self, form: QFormLayout) -> None:
        """How many devices train data-parallel (tf.distribute): N of this machine's GPUs, or, without a GPU, the
        CPU split into N logical devices. One is the published single device."""
        self.gpu_count = 0
        self.devices = spin(1, MAX_DEVICES, 1)
        self.devices.setToolTip("Train on N devices at once (the backend's data-parallel strategy): N GPUs, or without "
                                "a GPU the CPU split into N logical devices. 1 is the published single device.")
        form.addRow("Devices:", self.devices)
        self.devices_note = QLabel()
        self.devices_note.setWordWrap(True)
        self.devices_note.setStyleSheet("color: #666;")
        form.addRow(self.devices_note)
        self.scaling_combo = combo(SCALING_ITEMS, "Strong: the published batch of 64 is split across the devices "
                                   "(comparable with the baseline). Weak: 64 per device (a larger global batch).")
        form.addRow("Scaling:", self.scaling_combo)
        self.backend_combo = combo(BACKEND_ITEMS, "The framework that runs the models. Auto: the published one, or the "
                                   "first other that can drive this machine's GPU where it cannot or is not installed.",
                                   14)
        self.backend_choice = as_published()  # what the Backend box resolves to on this machine (said below it)
        self.backend_note = QLabel()
        self.backend_note.setWordWrap(True)
        self.backend_note.setStyleSheet("color: #666;")
        form.addRow("Backend:", self.backend_combo)
        form.addRow(self.backend_note)
        self.hardware: dict[str, Any] = {}
        self.plan: SessionPlan | None = None  # the plan of the setup as shown (refresh), which Start runs
        self._devices_changed()

    def set_hardware(self, hardware: dict[str, Any]) -> None:
        """The machine (from the hardware detection): the GPUs the devices spin box offers, the backend auto picks."""
        self.hardware = hardware
        self.gpu_count = gpus = len((hardware.get("gpu") or {}).get("nvidia") or [])
        self.devices.setMaximum(gpus if gpus > 1 else CPU_SPLIT_MAX)
        self._devices_changed()
        self._backend_changed()

    def _backend_changed(self) -> None:
        try:
            choice = choose_backend(self.backend_combo.currentData(), self.hardware)
        except ConfigError as exc:  # not installed here: said, and Start refuses the setup (configs)
            self.backend_note.setText(f"⚠ {exc}")
            return
        self.backend_choice = choice
        self.backend_note.setText(f"→ {choice.label}: {choice.why}")
        self._devices_changed()

    def _devices_changed(self) -> None:
        n = self.devices.value()
        if self.gpu_count:
            what = f"{n} of {self.gpu_count} GPU{'s' if self.gpu_count > 1 else ''}"
        else:
            what = "no GPU: the CPU as one device" if n == 1 else f"no GPU: the CPU split into {n} logical devices"
        strategy = frameworks.strategy_name(self.backend_choice.name, cluster=False)
        self.devices_note.setText(what + (f" ({strategy})" if n > 1 else " (as published)"))
        self.scaling_combo.setEnabled(n > 1 and self.devices.isEnabled())

    def _profile_changed(self) -> None:
        custom, kernels = self.profile == "custom", self.profile in KERNELS_PROFILES
        for w in (self.epochs, self.batch, self.train_samples, self.val_samples):
            w.setEnabled(custom)
        for w in (*self.model_boxes.values(), *self.dataset_boxes.values()):
            w.setEnabled(not kernels)  # the simple kernels are one test of their own, on Fashion-MNIST
        self.budget.setEnabled(self.profile in ("quick", "kernels"))
        if not custom:
            protocol = KERNELS_PROTOCOL if kernels else PUBLISHED_PROTOCOL
            for key, w in (("epochs", self.epochs), ("batch_size", self.batch), ("train_samples", self.train_samples),
                           ("val_samples", self.val_samples)):
                w.setValue(protocol[key])
        if kernels != self.was_kernels:  # each test's published precision, unless the person picks another
            self.precision_combo.setCurrentIndex(self.precision_combo.findData(KERNELS_PRECISION if kernels else "float32"))
        self.was_kernels = kernels
        self.changed.emit()

    @property
    def profile(self) -> str:
        return self.profile_combo.currentData()

    @property
    def data(self) -> str:
        return self.data_combo.currentData()

    def selected(self) -> list[tuple[str, str]]:
        if self.profile in KERNELS_PROFILES:
            return [(KERNELS_MODEL, KERNELS_DATASET)]
        ms = [m for m, b in self.model_boxes.items() if b.isChecked()]
        ds = [d for d, b in self.dataset_boxes.items() if b.isChecked()]
        return expand_selection(ms, ds) if ms and ds else []

    def configs(self) -> list[BenchmarkConfig]:
        if self.profile in KERNELS_PROFILES:
            return [kernels_config(measured=KERNELS_PROFILES[self.profile], data=self.data,
                                   quick_budget_s=float(self.budget.value()),
                                   precision=self.precision_combo.currentData(), backend=self.backend_combo.currentData())]
        return [BenchmarkConfig(model=m, dataset=d, profile=self.profile, epochs=self.epochs.value(),
                                batch_size=self.batch.value(), train_samples=self.train_samples.value(),
                                val_samples=self.val_samples.value(), data=self.data,
                                quick_budget_s=float(self.budget.value()),
                                precision=self.precision_combo.currentData(),
                                backend=self.backend_combo.currentData(), **self.distribution())
                for m, d in self.selected()]

    def distribution(self) -> dict[str, Any]:
        """The config's devices, CPU split and scaling for what the spin box and the combo say."""
        n = self.devices.value()
        return {"devices": n, "cpu_devices": n if n > 1 and not self.gpu_count else 0,
                "scaling": self.scaling_combo.currentData() if n > 1 else "strong"}

    def runs(self) -> list[BenchmarkConfig]:
        """What Start runs: each configuration `repeat` times in a row."""
        return [c for c in self.configs() for _ in range(self.repeat.value())]

    def refresh(self, history: list) -> float | None:
        """Where each dataset would come from, and the plan of the selection (core/plan.py: each run's framework and
        predicted duration, from `history`): shown, kept as `plan` for Start to run, and its total returned (None
        when the setup is not usable or selects nothing)."""
        self.refresh_data_state()
        self.plan = None
        try:
            self.plan = plan = plan_session(self.configs(), self.repeat.value(), self.hardware, history)
        except ConfigError as exc:  # a bad value, or a framework asked for that is not installed
            self.prediction.setText(f"⚠ {exc}")
            return None
        preds = [r.prediction for r in plan.runs]
        total = sum(p.seconds for p in preds)
        text, tip = prediction_words(total, preds[0].basis if preds else "", len(preds),
                                     (sum(p.low for p in preds), sum(p.high for p in preds)),
                                     next((p.borrowed for p in preds if p.borrowed), None))
        self.prediction.setText(text)
        self.prediction.setToolTip(tip)
        return total or None

    def take_plan(self, history: list) -> SessionPlan:
        """The plan shown (made again if none is current), taken once; an unusable setup raises its ConfigError."""
        if self.plan is None:
            self.refresh(history)
        plan, self.plan = self.plan, None  # the next Start plans anew: a repeated setup's group is its own
        return plan or plan_session(self.configs(), self.repeat.value(), self.hardware, history)

    def refresh_data_state(self) -> None:
        for d, label in self.dataset_state.items():
            _state, words = datasources.state(d, self.data)
            label.setText(words)

    def set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.stop_button.setText("Stop  (Esc)")  # after "Stopping…"
        for w in (*self.model_boxes.values(), *self.dataset_boxes.values(), self.profile_combo, self.data_combo,
                  self.import_button, self.repeat, self.precision_combo, self.devices, self.scaling_combo,
                  self.backend_combo):
            w.setEnabled(not running)
        if not running:
            self._profile_changed()  # also enables the model and dataset boxes again, unless the simple kernels
            self._devices_changed()
        else:
            for w in (self.epochs, self.batch, self.train_samples, self.val_samples, self.budget):
                w.setEnabled(False)


def restore_setup(panel: SetupPanel, s) -> None:
    """The last session's choices in the setup panel (`s`: a gui.settings.Settings)."""
    models = s.get("setup/models", list(MODELS))
    datasets = s.get("setup/datasets", list(DATASET_NAMES))
    for k, box in panel.model_boxes.items():
        box.setChecked(k in models)
    for k, box in panel.dataset_boxes.items():
        box.setChecked(k in datasets)
    for combo, key in ((panel.profile_combo, "profile"), (panel.data_combo, "data"), (panel.precision_combo, "precision"),
                       (panel.scaling_combo, "scaling"), (panel.backend_combo, "backend")):
        i = combo.findData(s.get(f"setup/{key}", combo.currentData()))
        if i >= 0:
            combo.setCurrentIndex(i)
    if panel.profile == "custom":
        panel.epochs.setValue(s.get("setup/epochs", PROTOCOL_EPOCHS))
        panel.batch.setValue(s.get("setup/batch_size", PROTOCOL_BATCH_SIZE))
        panel.train_samples.setValue(s.get("setup/train_samples", PROTOCOL_TRAIN_SAMPLES))
        panel.val_samples.setValue(s.get("setup/val_samples", PROTOCOL_VAL_SAMPLES))
    panel.budget.setValue(s.get("setup/quick_budget_s", int(DEFAULT_QUICK_BUDGET_S)))
    panel.repeat.setValue(s.get("setup/repeat", 1))
    panel.devices.setValue(s.get("setup/devices", 1))


def save_setup(panel: SetupPanel, s) -> None:
    """The setup's choices, for the next session."""
    s.set("setup/models", [k for k, b in panel.model_boxes.items() if b.isChecked()])
    s.set("setup/datasets", [k for k, b in panel.dataset_boxes.items() if b.isChecked()])
    for key, value in (("profile", panel.profile), ("data", panel.data),
                       ("precision", panel.precision_combo.currentData()), ("devices", panel.devices.value()),
                       ("scaling", panel.scaling_combo.currentData()), ("backend", panel.backend_combo.currentData()),
                       *((k, w.value()) for k, w in panel.spins().items())):
        s.set(f"setup/{key}", value)
