"""Live plots: producers fill ring buffers as events arrive; a QTimer redraws at 4 Hz with setData on existing curves.

The GUI must not steal the CPU it measures: a redraw touches only the curves whose data changed since the last
one, nothing is redrawn while the plots are hidden (another tab, a minimised window; they catch up when shown),
and view ranges move in jumps instead of following every point, because repainting the axes' tick labels was
most of the GUI's CPU during a run (py-spy: about 60% of the main thread's samples under AxisItem.paint).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGraphicsItem, QGridLayout, QLabel, QVBoxLayout, QWidget

from ..core.durations import format_bytes, format_duration
from ..core.view.words import data_words
from ..core.wire.events import EpochEnd

REDRAW_HZ = 2  # steps arrive every ~0.3 s on a CPU; faster redraws only repaint the same picture
RANGE_HEADROOM = 0.3  # a view range grows in jumps of 30%: axes (the costliest part to paint) rarely change
CAPACITY = 50_000


class RingBuffer:
    """Fixed-capacity x/y series; the oldest points drop off once full."""

    def __init__(self, capacity: int = CAPACITY):
        self.capacity = capacity
        self._x = np.zeros(capacity)
        self._y = np.zeros(capacity)
        self._n = 0
        self._start = 0
        self.version = 0  # bumped on every change: the redraw skips series that did not change

    def __len__(self) -> int:
        return self._n

    def append(self, x: float, y: float) -> None:
        i = (self._start + self._n) % self.capacity
        self._x[i] = x
        self._y[i] = y
        if self._n < self.capacity:
            self._n += 1
        else:
            self._start = (self._start + 1) % self.capacity
        self.version += 1

    def clear(self) -> None:
        self._n = 0
        self._start = 0
        self.version += 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        idx = (self._start + np.arange(self._n)) % self.capacity
        return self._x[idx], self._y[idx]


def _grow(lo: float, hi: float, current: tuple[float, float] | None, headroom: float) -> tuple[float, float] | None:
    """A new range when [lo, hi] no longer fits `current` (or fills under a third of it); None to keep it."""
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0) * 0.1
    if current is not None:
        c_lo, c_hi = current
        fits = c_lo <= lo and hi <= c_hi
        snug = (hi - lo) >= (c_hi - c_lo) / 3
        if fits and snug:
            return None
    pad = (hi - lo) * headroom
    return lo - pad / 6, hi + pad


def _plot(title: str, left: str, bottom: str = "step") -> pg.PlotWidget:
    w = pg.PlotWidget(title=title)
    w.setBackground("w")
    w.showGrid(x=True, y=True, alpha=0.25)
    w.setLabel("left", left)
    w.setLabel("bottom", bottom)
    # The legend has its own row under the bottom axis: it never sits on the data.
    legend = pg.LegendItem(colCount=2, verSpacing=-6)
    w.getPlotItem().layout.addItem(legend, 4, 1)
    w.legend_item = legend
    w.setClipToView(True)
    w.setDownsampling(auto=True, mode="peak")
    w.setMenuEnabled(False)
    for axis in ("left", "bottom"):
        item = w.getAxis(axis)
        item.enableAutoSIPrefix(False)  # "accuracy (x0.001)" helps nobody
        # An axis replays its QPicture of tick labels on every repaint of the view, i.e. whenever a curve
        # changes; as a cached pixmap it is re-rendered only when the axis itself changes (a range jump).
        item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return w


def _gpu_words(g: dict, several: bool) -> list[str]:
    """One GPU's last reading in words; with several GPUs each also says how busy it is."""
    parts = []
    if several and g.get("util_percent") is not None:
        parts.append(f"{g['util_percent']:.0f}% busy")
    if g.get("vram_used_bytes") is not None:
        parts.append(f"VRAM {format_bytes(g['vram_used_bytes'])}")
    if g.get("temperature_c") is not None:
        parts.append(f"{g['temperature_c']} °C")
    if g.get("power_w") is not None:
        parts.append(f"{g['power_w']:.0f} W")
    if g.get("sm_clock_mhz") is not None:
        parts.append(f"SM {g['sm_clock_mhz']} MHz")
    return parts


def banner(style: str) -> QLabel:
    """A hidden, wrapping line of text above the plots, shown when it has something to say."""
    label = QLabel("")
    label.setWordWrap(True)
    label.setStyleSheet(style)
    label.setVisible(False)
    return label


IDLE_WORDS = ("No run yet. Choose the models, datasets and profile on the left and press Start (Ctrl+R): the loss, "
              "accuracy, throughput and the machine's load are drawn here while it trains.")


def fresh_axes(*plots: pg.PlotWidget, system: pg.PlotWidget) -> None:
    """A new run's own axes, not the last run's (the system plot keeps its 0-100%)."""
    for plot in plots:
        plot.setXRange(0, 1, padding=0)
        plot.setYRange(0, 1, padding=0)
    system.setXRange(0, 1, padding=0)


class LivePlots(QWidget):
    GPU_COLOURS = ("#2ca02c", "#17becf", "#bcbd22", "#e377c2", "#8c564b", "#7f7f7f", "#aec7e8", "#98df8a")

    def __init__(self, parent=None, gpus: int = 1):
        """`gpus`: how many NVIDIA GPUs NVML sees; each gets its own utilisation curve (a multi-device run uses
        several), and the VRAM curve is the fullest one's."""
        super().__init__(parent)
        self.gpu_count = int(gpus)
        pg.setConfigOptions(antialias=False, foreground="#333")
        self.loss_plot = _plot("Loss", "loss")
        self.acc_plot = _plot("Accuracy", "accuracy")
        self.speed_plot = _plot("Throughput", "images / s")
        self.system_plot = _plot("System", "%", "time (s)")
        self.system_plot.setYRange(0, 100)
        self.gpu_label = QLabel("")
        self.gpu_label.setStyleSheet("color: #555;")

        self._build_curves(gpus)
        self._build_labels()
        self._last_step_s: float | None = None
        self._epoch_lines: list[_EpochMarks] = []
        self._epochs: list[tuple[int, int]] = []  # (global step, epoch number) at each epoch's end
        self._global_step = 0
        self._recent: list[tuple[int, float]] = []
        self._dirty = False
        self._drawn: dict[str, int] = {}  # series name -> the version last handed to its curve
        self._ranges: dict[tuple[int, str], tuple[float, float]] = {}  # (plot id, axis) -> range shown
        for plot in (self.loss_plot, self.acc_plot, self.speed_plot, self.system_plot):
            plot.disableAutoRange()
        self.redraws = 0
        self.curve_updates = 0

        grid = QGridLayout()
        grid.addWidget(self.loss_plot, 0, 0)
        grid.addWidget(self.acc_plot, 0, 1)
        grid.addWidget(self.speed_plot, 1, 0)
        grid.addWidget(self.system_plot, 1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(self.banner)
        layout.addWidget(self.readout)
        layout.addLayout(grid)
        layout.addWidget(self.gpu_label)

        self.timer = QTimer(self)
        self.timer.setInterval(int(1000 / REDRAW_HZ))
        self.timer.timeout.connect(self.redraw)

    def _build_curves(self, gpus: int) -> None:
        """One ring buffer and one curve per series, each in its plot's legend; epoch numbers on a top axis."""
        pen = lambda c, w=1: pg.mkPen(c, width=w)  # noqa: E731
        self.gpu_keys = ["gpu"] + [f"gpu{i}" for i in range(1, self.gpu_count)]  # "gpu" is GPU 0, as before
        self.series = {name: RingBuffer() for name in
                       ("loss", "acc", "val_loss", "val_acc", "speed", "cpu", "ram", *self.gpu_keys, "vram")}
        self.curves = {
            "loss": self.loss_plot.plot(pen=pen("#1f77b4"), name="training", skipFiniteCheck=True),
            "val_loss": self.loss_plot.plot(pen=pen("#d62728", 2), symbol="o", symbolSize=6, name="validation"),
            "acc": self.acc_plot.plot(pen=pen("#1f77b4"), name="training", skipFiniteCheck=True),
            "val_acc": self.acc_plot.plot(pen=pen("#d62728", 2), symbol="o", symbolSize=6, name="validation"),
            "speed": self.speed_plot.plot(pen=pen("#2ca02c"), name="10-step mean", skipFiniteCheck=True),
            "cpu": self.system_plot.plot(pen=pen("#1f77b4", 2), name="CPU %"),
            "ram": self.system_plot.plot(pen=pen("#9467bd", 2), name="RAM %"),
        }
        if gpus:  # no GPU curves in the legend of a machine without one
            self._add_gpu_curves(pen)
        else:
            self.gpu_label.setText("No GPU whose use can be read here: the system plot shows CPU and RAM only.")
        plot_of = {"loss": self.loss_plot, "val_loss": self.loss_plot, "acc": self.acc_plot, "val_acc": self.acc_plot,
                   "speed": self.speed_plot}
        for name, curve in self.curves.items():
            plot_of.get(name, self.system_plot).legend_item.addItem(curve, curve.name())
        self.epoch_ticks: list[tuple[int, str]] = []  # (step, epoch) shown on the top axes
        for plot in (self.loss_plot, self.acc_plot):  # epoch numbers on a top axis, thinned so they never collide
            plot.showAxis("top")
            plot.getAxis("top").setStyle(showValues=True)
            plot.getAxis("top").setTicks([[], []])

    def _build_labels(self) -> None:
        """The banners above the plots: the preliminary verdict, synthetic data, the current speed in words."""
        self.banner = banner("background: #fff3cd; color: #664d03; padding: 4px; font-weight: bold;")
        self.verdict = banner("background: #ddf4ff; color: #0a3069; padding: 4px;")  # the preliminary verdict
        self.readout = QLabel(IDLE_WORDS)
        self.readout.setWordWrap(True)
        self.readout.setStyleSheet("font-size: 11pt; padding: 2px;")

    # ------------------------------------------------------------------ producers (cheap: append only)
    def reset(self) -> None:
        for s in self.series.values():
            s.clear()
        for marks in self._epoch_lines:
            for plot, line in marks.copies.items():
                plot.removeItem(line)
        self._epoch_lines.clear()
        self._epochs: list[tuple[int, int]] = []
        self.epoch_ticks = []
        for plot in (self.loss_plot, self.acc_plot):
            plot.getAxis("top").setTicks([[], []])
        self._ranges.clear()
        fresh_axes(self.loss_plot, self.acc_plot, self.speed_plot, system=self.system_plot)
        self.verdict.setVisible(False)
        self._global_step = 0
        self._recent.clear()
        self._last_step_s = None
        self.readout.setText("Waiting for the first steps…")
        self.banner.setVisible(False)
        self._dirty = True

    def set_data_source(self, info: dict | None) -> None:
        """A banner while the data is synthetic, with the reason (download failed, offline, chosen)."""
        synthetic = isinstance(info, dict) and info.get("source") == "synthetic"
        self.banner.setText(data_words(info) if synthetic else "")
        self.banner.setVisible(synthetic)

    def add_steps(self, steps: list[list], batch_size: int) -> None:
        for _epoch, _batch, seconds, loss, acc in steps:
            self._global_step += 1
            g = self._global_step
            if loss is not None:
                self.series["loss"].append(g, loss)
            if acc is not None:
                self.series["acc"].append(g, acc)
            if g == 1:
                continue  # the first step is graph tracing, not throughput
            self._last_step_s = seconds
            self._recent.append((batch_size, seconds))
            if len(self._recent) > 10:
                self._recent.pop(0)
            imgs = sum(b for b, _ in self._recent)
            secs = sum(s for _, s in self._recent)
            if secs > 0:
                self.series["speed"].append(g, imgs / secs)
        self._dirty = True

    def add_epoch(self, event: EpochEnd) -> None:
        g = self._global_step
        if event.metric("val_loss") is not None:
            self.series["val_loss"].append(g, event.metric("val_loss"))
        if event.metric("val_accuracy") is not None:
            self.series["val_acc"].append(g, event.metric("val_accuracy"))
        if not event.extra.get("measured_pass"):  # a quick run's validation sample is not an epoch boundary
            self._epoch_lines.append(_EpochMarks(g, (self.loss_plot, self.acc_plot, self.speed_plot)))
            self._epochs.append((g, event.epoch))
            self._show_epoch_ticks()
        self._dirty = True

    def _show_epoch_ticks(self) -> None:
        """Epoch numbers on the top axis of the loss and accuracy plots, at most about eight of them."""
        every = max(1, -(-len(self._epochs) // 8))
        n = len(self._epochs)
        shown = [(g, str(e)) for i, (g, e) in enumerate(self._epochs) if (n - 1 - i) % every == 0]  # the latest always
        self.epoch_ticks = shown
        for plot in (self.loss_plot, self.acc_plot):
            plot.getAxis("top").setTicks([shown, []])
            plot.getAxis("top").setLabel("end of epoch")

    def _add_gpu_curves(self, pen) -> None:
        """One utilisation curve per GPU (a multi-device run uses several), and the fullest one's VRAM."""
        for i, key in enumerate(self.gpu_keys):
            name = "GPU util %" if self.gpu_count == 1 else f"GPU {i} util %"
            self.curves[key] = self.system_plot.plot(pen=pen(self.GPU_COLOURS[i % len(self.GPU_COLOURS)], 2), name=name)
        self.curves["vram"] = self.system_plot.plot(pen=pen("#ff7f0e", 2),
                                                    name="VRAM %" if self.gpu_count == 1 else "VRAM % (fullest)")

    def show_verdict(self, html: str) -> None:
        """The preliminary verdict so far ('' hides it): the answer arrives before the last run ends."""
        self.verdict.setText(f"Preliminary verdict: {html}" if html else "")
        self.verdict.setVisible(bool(html))

    def add_sample(self, s: dict) -> None:
        t = s["t"]
        if s.get("cpu_percent") is not None:
            self.series["cpu"].append(t, s["cpu_percent"])
        if s.get("ram_percent") is not None:
            self.series["ram"].append(t, s["ram_percent"])
        gpus = (s.get("gpus") or [])[:len(self.gpu_keys)]
        if gpus:
            for key, g in zip(self.gpu_keys, gpus):
                if g.get("util_percent") is not None:
                    self.series[key].append(t, g["util_percent"])
            full = [100.0 * g["vram_used_bytes"] / g["vram_total_bytes"] for g in gpus
                    if g.get("vram_used_bytes") is not None and g.get("vram_total_bytes")]
            if full:
                self.series["vram"].append(t, max(full))
            self.gpu_label.setText("; ".join(f"GPU {i}: " + ", ".join(_gpu_words(g, several=len(gpus) > 1))
                                             for i, g in enumerate(gpus)))
        self._dirty = True

    # ------------------------------------------------------------------ consumer (the timer)
    def redraw(self) -> None:
        if not self._dirty or not self.isVisible():
            return  # hidden plots are not drawn; showEvent asks for a catch-up redraw
        self._dirty = False
        self.redraws += 1
        changed = set()
        for name, curve in self.curves.items():  # only the curves that exist (no GPU curves without a GPU)
            series = self.series[name]
            if self._drawn.get(name) == series.version:
                continue
            self._drawn[name] = series.version
            self.curve_updates += 1
            curve.setData(*series.arrays())
            changed.add(curve.getViewBox())
        for plot in (self.loss_plot, self.acc_plot, self.speed_plot, self.system_plot):
            if plot.getViewBox() in changed:
                self._fit(plot)
        self._update_readout()

    def _update_readout(self) -> None:
        """The current speed in words: images/s over the last 10 steps, the last step's time, the step count."""
        if not self._recent:
            return
        imgs = sum(b for b, _ in self._recent)
        secs = sum(s for _, s in self._recent)
        if secs > 0:
            self.readout.setText(f"Now: <b>{imgs / secs:,.0f} images/s</b> · step time {format_duration(secs / len(self._recent))}"
                                 f" (mean of the last {len(self._recent)}) · step {self._global_step:,}")

    def _fit(self, plot: pg.PlotWidget) -> None:
        xs, ys = [], []
        box = plot.getViewBox()
        for name, curve in self.curves.items():
            if curve.getViewBox() is not box:
                continue
            x, y = self.series[name].arrays()  # all the data (a curve's getData() is clipped to the view)
            if len(x):
                xs += [float(np.min(x)), float(np.max(x))]
                finite = y[np.isfinite(y)]
                if len(finite):
                    ys += [float(finite.min()), float(finite.max())]
        if not xs:
            return
        key = id(plot)
        x_range = _grow(min(xs), max(xs), self._ranges.get((key, "x")), RANGE_HEADROOM)
        if x_range is not None:
            self._ranges[(key, "x")] = x_range
            plot.setXRange(*x_range, padding=0)
        if ys and plot is not self.system_plot:  # the system plot is 0-100% for good
            y_range = _grow(min(ys), max(ys), self._ranges.get((key, "y")), 0.1)
            if y_range is not None:
                self._ranges[(key, "y")] = y_range
                plot.setYRange(*y_range, padding=0)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._dirty:
            QTimer.singleShot(0, self.redraw)

    def point_count(self, name: str) -> int:
        return len(self.series[name])


class _EpochMarks:
    """A dashed vertical line at an epoch boundary on each step-based plot; its number is on the top axis."""

    def __init__(self, step: int, plots):
        self.copies = {}
        for p in plots:
            line = pg.InfiniteLine(pos=step, angle=90, pen=pg.mkPen("#999", style=pg.QtCore.Qt.PenStyle.DashLine))
            p.addItem(line)
            self.copies[p] = line
