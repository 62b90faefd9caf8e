"""warmupctl's benchmark: speed and memory, side by side with what people run today, in one run.

Run it from anywhere (it measures the source tree it sits in):

    python bench/run.py > report.md                 # the whole run, ~5-10 minutes on 2 cores
    python bench/run.py --quick > report.md         # ~1 minute: no 10^9 runs, slow references extrapolated
    /tmp/libvenv/bin/python bench/run.py --json raw.json > report.md   # with torch + transformers

The report (Markdown) goes to stdout, progress to stderr. Where torch or transformers are not
installed, their columns say so and the rest still runs. Every measurement is a fresh subprocess, so
each has its own cold start and its own peak memory (the child's ``ru_maxrss`` from ``wait4``: the
whole process, interpreter and libraries included). Times are wall-clock; where a measurement is
repeated the best of the repeats is taken (the machine may be shared; the load average is reported).
The ratios, and whether each target of the issue is met, are printed at the end.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LR = 1e-4

# ---------------------------------------------------------------------------------------------------
# Workers: each runs in its own process (``python bench/run.py --worker NAME N``), times only its own
# work (imports and set-up excluded) and prints one JSON line.
# ---------------------------------------------------------------------------------------------------


def _warmup(n: int) -> int:
    return max(1, n // 10)


def _native(n: int):
    import warmupctl

    return warmupctl.schedule(kind="cosine", lr=LR, total_steps=n, warmup_steps=_warmup(n))


def _timed(work) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = work()
    return {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "check": value}


def worker_engine(n: int) -> dict[str, Any]:
    """warmupctl's walk: every LR of a native cosine-with-warmup, chunk by chunk (what summary, plot,
    diff and CSV do), each chunk consumed (summed) so nothing is skipped."""
    schedule = _native(n)

    def work() -> float:
        return sum(float(block.sum()) for _, block in schedule.iter_chunks(n))

    return _timed(work)


def worker_engine_values(n: int) -> dict[str, Any]:
    """warmupctl's ``values(n)``: the whole float64 array, materialized (8 bytes per update)."""
    schedule = _native(n)
    return _timed(lambda: float(schedule.values(n).sum()))


def worker_library_spec(n: int) -> dict[str, Any]:
    """The same walk for the library spec ``transformers.get_cosine_schedule_with_warmup``."""
    import warmupctl

    schedule = warmupctl.from_mapping({
        "schedule": "transformers.get_cosine_schedule_with_warmup", "lr": LR,
        "args": {"num_warmup_steps": _warmup(n), "num_training_steps": n}})
    return _timed(lambda: sum(float(block.sum()) for _, block in schedule.iter_chunks(n)))


def worker_naive(n: int) -> dict[str, Any]:
    """The obvious vectorized numpy formula: one array per step of the formula, both branches."""
    import numpy as np

    def work() -> float:
        w = _warmup(n)
        k = np.arange(n)
        progress = (k - w) / (n - w)
        lr = np.where(k < w, LR * k / w, LR * 0.5 * (1.0 + np.cos(np.pi * progress)))
        return float(lr.sum())

    return _timed(work)


_STEPPING = {
    # What a user writes to check a schedule: a dummy parameter, an optimizer, the scheduler, and a
    # loop that reads the LR and steps the scheduler (the cheapest form: no optimizer.step()).
    "transformers": """
from transformers import get_cosine_schedule_with_warmup
scheduler = get_cosine_schedule_with_warmup(optimizer, num_warmup_steps=W, num_training_steps=N)
""",
    "lambdalr": """
import math
def factor(t):
    if t < W:
        return t / W
    return 0.5 * (1.0 + math.cos(math.pi * (t - W) / (N - W)))
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
""",
    "torch.CosineAnnealingLR": """
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=N)
""",
    "torch.LinearLR": """
scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1.0 / 3, total_iters=N)
""",
}

#: warmupctl's spec for each stepped scheduler, to compare values with.
_SPECS = {
    "transformers": lambda n: {"kind": "cosine", "lr": LR, "total_steps": n, "warmup_steps": _warmup(n)},
    "torch.CosineAnnealingLR": lambda n: {"schedule": "torch.CosineAnnealingLR", "lr": 0.1,
                                          "args": {"T_max": n}, "total_steps": n},
    "torch.LinearLR": lambda n: {"schedule": "torch.LinearLR", "lr": 0.1, "total_steps": n,
                                 "args": {"start_factor": 1.0 / 3, "total_iters": n}},
}


def stepping_script(kind: str, n: int, record: bool = True) -> str:
    """A stand-alone script (what the end-to-end reference runs) that steps ``kind`` ``n`` times."""
    lr = 0.1 if kind.startswith("torch.") else LR
    store = "lrs[i] = group['lr']" if record else "group['lr']"
    return f"""
import warnings
warnings.filterwarnings("ignore")  # "lr_scheduler.step() before optimizer.step()"
import torch
import numpy as np
N, W = {n}, {_warmup(n)}
optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr={lr!r})
{_STEPPING[kind]}
group = optimizer.param_groups[0]
lrs = np.empty(N)
for i in range(N):
    {store}
    scheduler.step()
"""


def worker_step(kind: str, n: int) -> dict[str, Any]:
    """Step the library's scheduler ``n`` times in a Python loop (import and set-up not timed), then
    compare every recorded LR with warmupctl's (largest relative difference)."""
    import numpy as np

    namespace: dict[str, Any] = {}
    setup, loop = stepping_script(kind, n).split("lrs = np.empty(N)\n")
    exec(setup + "lrs = np.empty(N)\n", namespace)  # noqa: S102 - our own script
    code = compile(loop, "<stepping>", "exec")
    result = _timed(lambda: exec(code, namespace))  # noqa: S102
    theirs = namespace["lrs"]
    result["check"] = float(theirs.sum())
    if kind not in _SPECS:  # a user's own lambda: nothing of warmupctl's claims to equal it
        return result
    import warmupctl

    ours = warmupctl.from_mapping(_SPECS[kind](n)).values(n)
    scale = np.maximum(np.abs(theirs), np.finfo(float).tiny)
    result["max_rel_diff"] = float(np.max(np.abs(ours - theirs) / scale))
    # Near a floor of 0 the relative difference of a 1-ulp cos is large; report the absolute one too.
    result["max_abs_diff"] = float(np.max(np.abs(ours - theirs)))
    return result


def worker_replay(kind: str, n: int) -> dict[str, Any]:
    """warmupctl's replay of a torch scheduler (its recursion, float drift included), walked in chunks."""
    import warmupctl

    schedule = warmupctl.from_mapping(_SPECS[kind](n))
    return _timed(lambda: sum(float(block.sum()) for _, block in schedule.iter_chunks(n)))


WORKERS = {
    "engine": worker_engine,
    "engine_values": worker_engine_values,
    "library_spec": worker_library_spec,
    "naive": worker_naive,
}


def run_worker(name: str, n: int) -> None:
    if name in WORKERS:
        result = WORKERS[name](n)
    elif name.startswith("step:"):
        result = worker_step(name[5:], n)
    elif name.startswith("replay:"):
        result = worker_replay(name[7:], n)
    else:
        raise SystemExit(f"unknown worker {name}")
    print(json.dumps(result))


# ---------------------------------------------------------------------------------------------------
# The parent: processes, their wall time and peak memory
# ---------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One finished subprocess."""

    wall: float
    peak_mb: float
    code: int
    out: str
    err: str
    data: dict[str, Any] = field(default_factory=dict)
    cpu: float = 0.0  # the child's user + system CPU seconds: what it costs, whatever the load


#: Where the children keep their compiled bytecode. An installed package has it (pip compiles at install
#: time) and so does every library in site-packages; a source tree run with PYTHONDONTWRITEBYTECODE set
#: would compile all of warmupctl on every start, which is no user's cold start. So the children write
#: and read bytecode here (every module alike, libraries included), and each cold-start command is run
#: once, unmeasured, before it is timed.
PYCACHE = os.path.join(tempfile.gettempdir(), "warmupctl-bench-pycache")


def env() -> dict[str, str]:
    """The child's environment: this source tree first on the path; no colour, no user site; bytecode
    cached in :data:`PYCACHE`."""
    child = dict(os.environ)
    child.pop("PYTHONDONTWRITEBYTECODE", None)
    child["PYTHONPYCACHEPREFIX"] = PYCACHE
    child["PYTHONPATH"] = str(ROOT) + (os.pathsep + child["PYTHONPATH"] if child.get("PYTHONPATH") else "")
    child["NO_COLOR"] = "1"
    child.setdefault("PYTHONNOUSERSITE", "1")
    return child


def spawn(args: list[str], cwd: str, timeout: float = 1800) -> Run:
    """Run ``args``; the wall time from spawn to exit and the child's own peak RSS (``wait4``)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=err, cwd=cwd, env=env())
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in KiB on Linux.
        return Run(wall, usage.ru_maxrss / 1024, process.returncode, out.read().decode(errors="replace"),
                   err.read().decode(errors="replace"), cpu=usage.ru_utime + usage.ru_stime)


def worker(name: str, n: int, cwd: str) -> Run:
    run = spawn([sys.executable, str(Path(__file__).resolve()), "--worker", name, str(n)], cwd)
    if run.code == 0:
        run.data = json.loads(run.out.strip().splitlines()[-1])
    return run


def cli(*args: str, cwd: str) -> Run:
    return spawn([sys.executable, "-m", "warmupctl", *args], cwd)


def best(runs: list[Run]) -> Run:
    good = [r for r in runs if r.code == 0] or runs
    return min(good, key=lambda r: r.wall)


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# ---------------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------------


def secs(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if x < 1e-3:
        return f"{x * 1e6:.0f} µs"
    if x < 1:
        return f"{x * 1e3:.0f} ms"
    return f"{x:.2f} s"


def mb(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f} MB"


def ratio(x: float | None) -> str:
    return "—" if x is None or not math.isfinite(x) else (f"{x:.1f}×" if x < 100 else f"{x:,.0f}×")


def power(n: int) -> str:
    e = round(math.log10(n))
    return f"10^{e}" if 10**e == n else f"{n:,}"


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class Target:
    """One target of the issue: what was measured against what it should be."""

    name: str
    measured: float | None
    limit: float
    higher_is_better: bool
    unit: str
    why: str = ""
    estimated: bool = False  # the reference side was extrapolated (--quick), not run

    @property
    def met(self) -> bool | None:
        if self.measured is None or not math.isfinite(self.measured):
            return None
        return self.measured >= self.limit if self.higher_is_better else self.measured <= self.limit

    def row(self) -> list[str]:
        fmt = (lambda v: f"{v:.2f}{self.unit}") if self.unit == "×" else (lambda v: f"{v:,.0f}{self.unit}")
        if self.met is None:
            verdict = "not measured" + (f": {self.why}" if self.why else "")
            measured = "—"
        else:
            measured = fmt(self.measured)
            if self.met:
                verdict = "met"
            elif self.higher_is_better:
                verdict = f"missed: {self.limit / self.measured:.2f}× short"
            else:
                verdict = f"missed: {self.measured / self.limit:.2f}× over"
        if self.estimated and self.met is not None:
            verdict += " (reference extrapolated)"
        sign = "≥" if self.higher_is_better else "≤"
        return [self.name, f"{sign} {fmt(self.limit)}", measured, verdict]


BARE_TYPER_APP = """
import sys
import typer

mode = sys.argv.pop(1)
app = typer.Typer(rich_markup_mode=None if mode == "none" else mode)


@app.command()
def table(kind: str = "cosine", lr: float = 1e-4, total_steps: int = 1000) -> None:
    \"\"\"Tabulate.\"\"\"


@app.command()
def plot(kind: str = "cosine") -> None:
    \"\"\"Plot.\"\"\"


app()
"""


#: The same picture as ``warmupctl plot --kind cosine --ratio 0.1`` (1000 updates, warmup 100, lr 1e-4),
#: written the shortest way with matplotlib and numpy: the curve, the warmup-end line, the start, peak
#: and final annotations, labels, grid, title, legend, a 10x6 in PNG at 100 dpi. What a user would
#: write by hand instead of running warmupctl: the reference of the plot's cold start.
MINIMAL_PLOT = """
import sys

import matplotlib
import numpy as np

matplotlib.use("Agg")
from matplotlib.figure import Figure

total, warmup, lr, color = 1000, 100, 1e-4, "#1f77b4"
k = np.arange(total)
t = np.clip((k - warmup) / (total - warmup), 0, 1)
y = np.where(k < warmup, lr * k / warmup, lr * 0.5 * (1 + np.cos(np.pi * t)))
peak = int(np.argmax(y))
figure = Figure(figsize=(10, 6), dpi=100, layout="constrained")
axes = figure.add_subplot()
axes.plot(k, y, color=color, linewidth=1.6, label="cosine, warmup 100")
axes.axvline(warmup, color=color, linestyle="--", linewidth=1.0, alpha=0.8)
axes.annotate(f"warmup end @ {warmup}", xy=(warmup, 0), xycoords=("data", "axes fraction"),
              xytext=(4, 6), textcoords="offset points", fontsize=8, color=color)
arrow = {"arrowstyle": "->", "color": color, "lw": 0.8}
axes.annotate(f"start {y[0]:.4g}", xy=(0, y[0]), xytext=(18, 22), textcoords="offset points",
              fontsize=8, color=color, arrowprops=arrow)
axes.plot([peak], [y[peak]], "o", color=color, markersize=4)
axes.annotate(f"peak {y[peak]:.4g} @ {peak}", xy=(peak, y[peak]), xytext=(12, -16),
              textcoords="offset points", fontsize=8, color=color, arrowprops=arrow)
axes.annotate(f"final {y[-1]:.4g} @ {total - 1}", xy=(total - 1, y[-1]), xytext=(-150, 28),
              textcoords="offset points", fontsize=8, color=color, arrowprops=arrow)
axes.set_xlabel("optimizer update k")
axes.set_ylabel("learning rate lr[k]")
axes.set_ylim(bottom=0.0)
axes.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
axes.set_xlim(0, total - 1)
axes.grid(True, alpha=0.3)
axes.set_title("cosine, warmup 100")
axes.legend(loc="upper right", fontsize=9)
figure.savefig(sys.argv[1], format="png", dpi=100)
"""

# ---------------------------------------------------------------------------------------------------
# The sections
# ---------------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, quick: bool, repeats: int) -> None:
        self.quick = quick
        self.repeats = repeats
        self.tmp = tempfile.mkdtemp(prefix="warmupctl-bench-")
        self.raw: dict[str, Any] = {}
        self.targets: list[Target] = []
        self.sections: list[str] = []
        self.torch = have("torch")
        self.transformers = self.torch and have("transformers")

    # -- 1. cold start ------------------------------------------------------------------------------

    def cold_start(self) -> None:
        note("cold start ...")
        svg = os.path.join(self.tmp, "cold.svg")
        app = os.path.join(self.tmp, "bare_typer_app.py")
        Path(app).write_text(BARE_TYPER_APP)
        minimal_plot = os.path.join(self.tmp, "minimal_plot.py")
        Path(minimal_plot).write_text(MINIMAL_PLOT)
        png, reference_png = os.path.join(self.tmp, "cold.png"), os.path.join(self.tmp, "reference.png")
        commands = {
            'python -c "import typer"': [sys.executable, "-c", "import typer"],
            # The two start-up targets of issue 10, each beside its reference in the same run.
            'python -c "import numpy, yaml, typer"': [sys.executable, "-c", "import numpy, yaml, typer"],
            "warmupctl table --kind cosine --format csv": [
                sys.executable, "-m", "warmupctl", "table", "--kind", "cosine", "--format", "csv"],
            "minimal matplotlib script: the same curve and annotations (PNG)": [
                sys.executable, minimal_plot, reference_png],
            "warmupctl plot --kind cosine --ratio 0.1 (PNG)": [
                sys.executable, "-m", "warmupctl", "plot", "--kind", "cosine", "--ratio", "0.1", "-o", png],
            "warmupctl --help": [sys.executable, "-m", "warmupctl", "--help"],
            "warmupctl table (1000 updates, terminal table)": [
                sys.executable, "-m", "warmupctl", "table", "--kind", "cosine", "--ratio", "0.1"],
            "warmupctl summary (1000 updates)": [
                sys.executable, "-m", "warmupctl", "summary", "--kind", "cosine", "--ratio", "0.1"],
            "warmupctl plot (1000 updates, SVG)": [
                sys.executable, "-m", "warmupctl", "plot", "--kind", "cosine", "--ratio", "0.1", "-o", svg],
            # Context for --help: the same help from a two-command Typer app that is not warmupctl,
            # with Typer's rich help (as warmupctl) and with plain help (rich_markup_mode=None).
            "bare Typer app --help, rich help (context)": [sys.executable, app, "markdown", "--help"],
            "bare Typer app --help, plain help (context)": [sys.executable, app, "none", "--help"],
            'python -c "import numpy" (context)': [sys.executable, "-c", "import numpy"],
        }
        for args in commands.values():  # once, unmeasured: bytecode compiled, files in the page cache
            spawn(args, self.tmp)
        runs: dict[str, list[Run]] = {name: [] for name in commands}
        for _ in range(self.repeats):  # interleaved, so that a burst of load hits every command alike
            for name, args in commands.items():
                runs[name].append(spawn(args, self.tmp))
        base = best(runs['python -c "import typer"']).wall
        rows = []
        for name, done in runs.items():
            fastest = best(done)
            walls = [r.wall for r in done]
            rows.append([name, secs(fastest.wall), secs(statistics.median(walls)), mb(fastest.peak_mb),
                         ratio(fastest.wall / base), "ok" if fastest.code == 0 else f"exit {fastest.code}"])
            self.raw.setdefault("cold_start", {})[name] = {"walls": walls, "peak_mb": fastest.peak_mb}
        help_ratio = best(runs["warmupctl --help"]).wall / base
        self.targets.append(Target("`warmupctl --help` vs `import typer`", help_ratio, 1.5, False, "×"))
        table_ratio = (best(runs["warmupctl table --kind cosine --format csv"]).wall
                       / best(runs['python -c "import numpy, yaml, typer"']).wall)
        self.targets.append(Target("`warmupctl table --kind cosine --format csv` vs "
                                   "`python -c \"import numpy, yaml, typer\"`", table_ratio, 1.6, False, "×"))
        plot_ratio = (best(runs["warmupctl plot --kind cosine --ratio 0.1 (PNG)"]).wall
                      / best(runs["minimal matplotlib script: the same curve and annotations (PNG)"]).wall)
        self.targets.append(Target("`warmupctl plot --kind cosine --ratio 0.1` vs a minimal matplotlib "
                                   "script of the same plot", plot_ratio, 1.25, False, "×"))
        self.sections.append(
            "## 1. Cold start\n\n"
            f"Best and median of {self.repeats} interleaved runs; the ratio is best against best "
            "`import typer`. The targets compare `warmupctl table` with `import numpy, yaml, typer` "
            "(the libraries it needs) and `warmupctl plot` with a minimal matplotlib script drawing "
            "the same annotated curve (in this file: `MINIMAL_PLOT`).\n\n"
            + table(["command", "best", "median", "peak memory", "× import typer", "status"], rows))

    def startup_breakdown(self) -> None:
        """Where a cold ``warmupctl summary`` spends its imports (``python -X importtime``), by package."""
        note("cold start breakdown ...")
        groups: dict[str, float] = {}
        best_total = math.inf
        for _ in range(3):
            args = [sys.executable, "-X", "importtime", "-m", "warmupctl", "summary", "--kind", "cosine"]
            run = spawn(args, self.tmp)
            totals: dict[str, float] = {}
            for line in run.err.splitlines():
                if not line.startswith("import time:") or "|" not in line:
                    continue
                parts = line[len("import time:"):].split("|")
                if not parts[0].strip().isdigit():
                    continue  # the header line
                name = parts[2].strip()
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top.startswith("_") and top != "__editable__":
                    top = "Python's standard library"
                elif top.startswith("__editable__"):
                    top = "the editable-install finder"
                totals[top] = totals.get(top, 0.0) + int(parts[0]) / 1e6
            if sum(totals.values()) < best_total:
                best_total, groups = sum(totals.values()), totals
        ranked = sorted(groups.items(), key=lambda item: -item[1])
        rows = [[name, secs(t), f"{100 * t / best_total:.0f} %"] for name, t in ranked if t >= 0.002]
        rows.append(["all imports", secs(best_total), "100 %"])
        self.raw["startup_imports"] = groups
        self.sections.append(
            "## 1b. What a cold `warmupctl summary` imports\n\n"
            "`python -X importtime -m warmupctl summary --kind cosine`, the import time of each module "
            "(its own part, not its children's) summed by top-level package; best of 3 by total.\n\n"
            + table(["package", "import time", "share"], rows))

    # -- 2. end to end, against importing transformers and stepping its scheduler -----------------

    def end_to_end(self) -> None:
        sizes = [10**6, 10**7]
        rows = []
        reference: dict[int, tuple[float, str]] = {}
        if self.transformers:
            for n in sizes:
                if self.quick and n > 10**6:
                    per = (reference[10**6][0] - self.raw["e2e_import"]) / 10**6
                    reference[n] = (self.raw["e2e_import"] + per * n, "extrapolated (--quick)")
                    continue
                note(f"end to end: transformers at {power(n)} ...")
                script = os.path.join(self.tmp, f"step-{n}.py")
                Path(script).write_text(stepping_script("transformers", n, record=True))
                run = spawn([sys.executable, script], self.tmp)
                reference[n] = (run.wall, f"measured, peak {mb(run.peak_mb)}" if run.code == 0
                                else f"failed: {run.err.strip().splitlines()[-1:]}")
                if n == 10**6:
                    imp = spawn([sys.executable, "-c", "import torch, transformers; "
                                 "from transformers import get_cosine_schedule_with_warmup"], self.tmp)
                    self.raw["e2e_import"] = imp.wall
            rows.append(["import torch + transformers only", secs(self.raw["e2e_import"]), "", "", ""])
        csv = os.path.join(self.tmp, "rows.csv")
        for n in sizes:
            flags = ["--kind", "cosine", "--lr", str(LR), "--total-steps", str(n),
                     "--warmup-steps", str(_warmup(n))]
            if n in reference:
                rows.append([f"transformers: import, step {power(n)} updates (reference)",
                             secs(reference[n][0]), reference[n][1], "1×", ""])
            commands = (("summary", ["summary", *flags]),
                        ("table --format csv -o FILE", ["table", *flags, "--format", "csv", "-o", csv]))
            for label, args in commands:
                note(f"end to end: warmupctl {label} at {power(n)} ...")
                runs = [cli(*args, cwd=self.tmp) for _ in range(3 if n <= 10**6 else 2)]
                run = best(runs)
                speedup = reference[n][0] / run.wall if n in reference else None
                wrote = "csv" in label and run.code == 0
                size = f", {os.path.getsize(csv) / 1e6:.0f} MB written" if wrote else ""
                rows.append([f"warmupctl {label}, {power(n)} updates", secs(run.wall),
                             f"peak {mb(run.peak_mb)}{size}", ratio(speedup),
                             "ok" if run.code == 0 else f"exit {run.code}: {run.err.strip()[-200:]}"])
                self.raw.setdefault("e2e", {})[f"{label} {n}"] = {"wall": run.wall, "peak_mb": run.peak_mb}
                limit = 25 if n == 10**6 else 100
                why = "" if self.transformers else "transformers/torch not installed here"
                self.targets.append(Target(f"`{label}` at {power(n)}, × faster than transformers end to end",
                                           speedup, limit, True, "×", why,
                                           n in reference and reference[n][1].startswith("extrapolated")))
        self.raw["e2e_reference"] = {str(n): v for n, v in reference.items()}
        intro = ("Each row is one process, cold start included. The reference imports torch and "
                 "transformers, builds an SGD optimizer on a dummy parameter and "
                 "`get_cosine_schedule_with_warmup(W = N/10)`, and steps it N times reading the LR "
                 "(the cheapest form of the habit: no `optimizer.step()`). warmupctl computes the same "
                 "numbers (`--kind cosine` equals that schedule; section 3 checks it). `summary` walks "
                 "every update; `table --format csv` writes every update as exact text.\n\n")
        if not self.transformers:
            intro += "**transformers/torch are not installed in this environment: no reference column.**\n\n"
        self.sections.append("## 2. End to end: `table` and `summary` against transformers\n\n" + intro
                             + table(["what", "wall", "detail", "speed-up", "status"], rows))

    # -- 3. full evaluation ------------------------------------------------------------------------

    def evaluation(self) -> None:
        top = 8 if self.quick else 9
        sizes = [10**e for e in range(4, top + 1)]
        results: dict[str, dict[int, Run | str]] = {}
        columns = {
            "warmupctl walk (native cosine)": "engine",
            "warmupctl values() (one array)": "engine_values",
            "warmupctl walk (transformers spec)": "library_spec",
            "naive numpy formula": "naive",
        }
        if self.transformers:
            columns["transformers stepping"] = "step:transformers"
        if self.torch:
            columns["torch LambdaLR stepping"] = "step:lambdalr"
        avail = _mem_available_mb()
        for label, name in columns.items():
            results[label] = {}
            for n in sizes:
                skip = self._skip(name, n, results[label], avail)
                if skip:
                    results[label][n] = skip
                    continue
                note(f"evaluation: {label} at {power(n)} ...")
                run = worker(name, n, self.tmp)
                results[label][n] = run if run.code == 0 else f"failed: {run.err.strip()[-200:]}"
        rows = []
        for n in sizes:
            naive = results["naive numpy formula"].get(n)
            for label in columns:
                cell = results[label].get(n)
                if isinstance(cell, Run):
                    d = cell.data
                    vs = (naive.data["seconds"] / d["seconds"]) if isinstance(naive, Run) else None
                    fidelity = (f"max rel. diff {d['max_rel_diff']:.1e}" if "max_rel_diff" in d else "")
                    rows.append([power(n), label, secs(d["seconds"]), secs(d["cpu"]),
                                 f"{n / d['seconds'] / 1e6:,.1f} M/s", mb(cell.peak_mb), ratio(vs), fidelity])
                    self.raw.setdefault("evaluation", {}).setdefault(label, {})[str(n)] = {
                        **d, "peak_mb": cell.peak_mb}
                else:
                    rows.append([power(n), label, "—", "—", "—", "—", "—", str(cell)])
        eng = results["warmupctl walk (native cosine)"].get(10**8)
        naive = results["naive numpy formula"].get(10**8)
        if isinstance(eng, Run) and isinstance(naive, Run):
            self.targets.append(Target("walk at 10^8: time vs naive numpy (≤ 1 is no slower)",
                                       eng.data["seconds"] / naive.data["seconds"], 1.0, False, "×"))
            self.targets.append(Target("walk at 10^8: peak memory vs naive numpy",
                                       100 * eng.peak_mb / naive.peak_mb, 10, False, " %"))
        self.sections.append(
            "## 3. Full evaluation, 10^4 … 10^" + str(top) + " updates\n\n"
            "Every LR of a cosine with a 10 % linear warmup (lr 1e-4), in a fresh process; time excludes "
            "imports. The *walk* is how warmupctl's commands evaluate (chunks of 2^16, consumed one by "
            "one); *values()* materializes the whole array. The naive formula is `np.where(k < W, lr*k/W, "
            "lr*0.5*(1+np.cos(np.pi*(k-W)/(N-W))))` on `k = np.arange(N)`. Stepping rows run the "
            "library's scheduler in a Python loop (import not timed) and compare every LR with "
            "warmupctl's. Peak memory is the whole process (interpreter and libraries included).\n\n"
            + table(["updates", "what", "wall", "CPU", "rate", "peak memory", "× naive", "note"], rows))

    def _skip(self, name: str, n: int, done: dict[int, Any], avail: float) -> str | None:
        if name.startswith("step:") and n > (10**5 if self.quick else 10**6):
            prev = done.get(n // 10)
            if isinstance(prev, Run):
                per = prev.data["seconds"] / (n // 10)
                return f"not run: ~{secs(per * n)} at the 10^{round(math.log10(n // 10))} rate"
            return "not run"
        if name in ("naive", "engine_values") and n >= 10**9:
            prev = done.get(n // 10)
            need = prev.peak_mb * 10 if isinstance(prev, Run) else 8 * n / 1e6
            return (f"not run: needs ~{need / 1e3:,.0f} GB (10× the 10^8 peak); "
                    f"{avail / 1e3:,.0f} GB available")
        return None

    # -- 4. plots ----------------------------------------------------------------------------------

    def plots(self) -> None:
        top = 8 if self.quick else 9
        rows = []
        times: dict[int, float] = {}
        for n in [10**e for e in range(4, top + 1)]:
            note(f"plot at {power(n)} ...")
            path = os.path.join(self.tmp, f"plot-{n}.svg")
            args = ["plot", "--kind", "cosine", "--total-steps", str(n), "--warmup-steps", str(_warmup(n)),
                    "-o", path]
            runs = [cli(*args, cwd=self.tmp) for _ in range(3 if n <= 10**6 else (2 if n <= 10**8 else 1))]
            run = best(runs)
            size = os.path.getsize(path) / 1e3 if run.code == 0 else None
            times[n] = run.wall
            rows.append([power(n), secs(run.wall), mb(run.peak_mb),
                         "—" if size is None else f"{size:,.0f} KB", ratio(run.wall / times[10**4]),
                         "ok" if run.code == 0 else f"exit {run.code}"])
            self.raw.setdefault("plot", {})[str(n)] = {"wall": run.wall, "peak_mb": run.peak_mb, "kb": size}
            if n == 10**8:
                self.targets.append(Target("plot of 10^8 vs plot of 10^4 (time)", run.wall / times[10**4],
                                           2.0, False, "×"))
                self.targets.append(Target("SVG of 10^8 updates", size, 200, False, " KB"))
            if n == 10**9:
                self.targets.append(Target("plot of 10^9: peak memory", run.peak_mb, 300, False, " MB"))
        if top < 9:
            self.targets.append(Target("plot of 10^9: peak memory", None, 300, False, " MB", "--quick"))
        self.sections.append(
            "## 4. Plots\n\n`warmupctl plot --kind cosine --total-steps N --warmup-steps N/10 -o out.svg`, "
            "end to end (cold start included), best of up to 3.\n\n"
            + table(["updates", "wall", "peak memory", "SVG size", "× the 10^4 plot", "status"], rows))

    # -- 5. summary of 10^9 -------------------------------------------------------------------------

    def summary_billion(self) -> None:
        if self.quick:
            self.targets.append(Target("summary of 10^9: peak memory", None, 300, False, " MB", "--quick"))
            return
        note("summary at 10^9 ...")
        n = 10**9
        run = cli("summary", "--kind", "cosine", "--total-steps", str(n), "--warmup-steps", str(_warmup(n)),
                  "--format", "json", cwd=self.tmp)
        self.raw["summary_1e9"] = {"wall": run.wall, "peak_mb": run.peak_mb, "code": run.code}
        self.targets.append(Target("summary of 10^9: peak memory", run.peak_mb, 300, False, " MB"))
        self.sections.append(
            "## 5. Summary of 10^9 updates\n\n"
            f"`warmupctl summary --kind cosine --total-steps 1000000000 --warmup-steps 100000000 --format "
            f"json`: {secs(run.wall)}, peak memory {mb(run.peak_mb)} "
            f"({'ok' if run.code == 0 else 'exit ' + str(run.code)}).")

    # -- 6. torch replays ---------------------------------------------------------------------------

    def replays(self) -> None:
        sizes = [10**5, 10**6, 10**7]
        rows = []
        available = _replay_available()
        for kind in ("torch.CosineAnnealingLR", "torch.LinearLR"):
            if available is not True:
                rows.append([kind, "", "not available", "", "", "", str(available)])
                self.targets.append(Target(f"{kind} replay at 10^7 vs torch", None, 20, True, "×",
                                           str(available)))
                continue
            per_update: float | None = None  # torch's own time per step, from the largest run
            for n in sizes:
                note(f"replay: {kind} at {power(n)} ...")
                ours = worker(f"replay:{kind}", n, self.tmp)
                theirs: Run | str
                if not self.torch:
                    theirs = "torch not installed"
                elif self.quick and n > 10**6:
                    theirs = "not run (--quick)"
                else:
                    theirs = worker(f"step:{kind}", n, self.tmp)
                speed, estimated = None, False
                if isinstance(theirs, Run) and theirs.code == 0 and ours.code == 0:
                    speed = theirs.data["seconds"] / ours.data["seconds"]
                    per_update = theirs.data["seconds"] / n
                    fid = f"max rel. diff {theirs.data['max_rel_diff']:.1e}"
                    torch_time = secs(theirs.data["seconds"])
                elif theirs == "not run (--quick)" and per_update and ours.code == 0:
                    speed, estimated = per_update * n / ours.data["seconds"], True
                    fid = "torch extrapolated from its 10^6 rate (--quick)"
                    torch_time = f"~{secs(per_update * n)}"
                else:
                    fid = theirs if isinstance(theirs, str) else f"failed: {theirs.err.strip()[-200:]}"
                    torch_time = "—"
                rows.append([kind, power(n), secs(ours.data.get("seconds")) if ours.code == 0 else "failed",
                             mb(ours.peak_mb), torch_time, ratio(speed), fid])
                self.raw.setdefault("replay", {}).setdefault(kind, {})[str(n)] = {
                    "ours": ours.data, "torch": theirs.data if isinstance(theirs, Run) else theirs}
                if n == 10**7:
                    self.targets.append(Target(f"{kind} replay at 10^7 vs torch", speed, 20, True, "×",
                                               "" if speed else str(fid), estimated))
        self.sections.append(
            "## 6. Torch replays\n\n"
            "warmupctl's replay of torch's chainable (recursive) schedulers, walked in chunks, against "
            "torch stepping the scheduler itself in a Python loop (imports not timed in either); the "
            "fidelity column compares every LR.\n\n"
            + table(["scheduler", "updates", "warmupctl", "peak memory", "torch", "speed-up", "fidelity"],
                    rows))

    # -- report -------------------------------------------------------------------------------------

    def report(self, started: float, load_before: str) -> str:
        head = [
            "# warmupctl benchmark",
            "",
            f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`",
            f"- machine: {_cpu()}, {os.cpu_count()} CPUs, {_mem_total_gb():.0f} GB RAM, {platform.system()} "
            f"{platform.release()}",
            f"- software: Python {platform.python_version()}, {_versions()}",
            f"- warmupctl chunk walk: {_engine_info()}",
            f"- load average before / after: {load_before} / {load()}; "
            f"total run {time.perf_counter() - started:.0f} s",
            "",
            "## Targets",
            "",
            table(["target", "wanted", "measured", "verdict"], [t.row() for t in self.targets]),
        ]
        return "\n".join(head) + "\n\n" + "\n\n".join(self.sections) + "\n"


def _replay_available() -> bool | str:
    try:
        sys.path.insert(0, str(ROOT))
        import warmupctl

        warmupctl.from_mapping(_SPECS["torch.CosineAnnealingLR"](10))
        return True
    except Exception as exc:  # noqa: BLE001 - any reason makes the column "not available"
        return f"warmupctl has no torch replay here ({type(exc).__name__}: {str(exc)[:120]})"


def _engine_info() -> str:
    try:
        from warmupctl.engine import schedule

        return f"chunks of {schedule.CHUNK_SIZE:,} updates, {schedule.WORKERS} worker thread(s)"
    except Exception as exc:  # noqa: BLE001
        return f"unknown ({exc})"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _meminfo(key: str) -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1]) / 1024  # MB
    except OSError:
        pass
    return math.nan


def _mem_total_gb() -> float:
    return _meminfo("MemTotal") / 1024


def _mem_available_mb() -> float:
    return _meminfo("MemAvailable")


def _versions() -> str:
    from importlib import metadata

    parts = []
    for name in ("numpy", "typer", "rich", "matplotlib", "torch", "transformers"):
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} not installed")
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------------------
# warmupctl explain on a long log (added by the logs work; self-contained, one section)
# ---------------------------------------------------------------------------------------------------

EXPLAIN_UPDATES = 10**6
#: fp16 overflows planted in the log: the scheduler is not stepped at these updates.
EXPLAIN_SKIPPED = (0, 1, 2, 5_000, 250_000, 600_000)


def explain_section(bench: Bench) -> None:
    """``warmupctl explain`` of a CSV log of 10^6 updates (a transformers cosine, fp16 skips
    planted) against its spec (target < 3 s) and with the schedule inferred from the log (< 10 s),
    end to end, cold start included, best of 2. The CPU time (user + system) is shown beside the wall
    time: on a shared machine the wall time is mostly the wait for a core."""
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from warmupctl.spec.resolve import resolve

    n = EXPLAIN_UPDATES
    spec = {"schedule": "transformers.cosine", "lr": 3e-4,
            "args": {"num_warmup_steps": n // 100, "num_training_steps": n}}
    k = np.arange(n)
    positions = k - np.searchsorted(np.asarray(EXPLAIN_SKIPPED), k, side="left")
    lrs = resolve(spec)(positions)
    log = Path(bench.tmp) / "explain-log.csv"
    with open(log, "w") as out:  # the Trainer's convention: step s holds the LR of update s - 1
        out.write("step,lr\n")
        out.write("".join(f"{s},{v!r}\n" for s, v in zip((k + 1).tolist(), lrs.tolist())))
    spec_file = Path(bench.tmp) / "explain-spec.yaml"
    spec_file.write_text(json.dumps(spec))
    rows = []
    for label, args, limit in (("against its spec", [str(log), str(spec_file)], 3.0),
                               ("schedule inferred", [str(log)], 10.0)):
        note(f"explain: {label}")
        run = best([cli("explain", *args, "--format", "json", cwd=bench.tmp) for _ in range(2)])
        found = json.loads(run.out) if run.code == 0 else {}
        params = found.get("parameters", {})
        ok = found.get("cause") == "skipped" and params.get("updates") == list(EXPLAIN_SKIPPED)
        rows.append([label, secs(run.wall), secs(run.cpu), mb(run.peak_mb), f"{found.get('cause')} "
                     f"{params.get('updates')}", "found" if ok else "NOT FOUND"])
        bench.raw[f"explain_{label}"] = {"wall": run.wall, "cpu": run.cpu, "peak_mb": run.peak_mb,
                                         "found": ok}
        bench.targets.append(Target(f"explain of 10^6 updates, {label}", run.wall * 1000, limit * 1000,
                                    False, " ms", "" if ok else "the planted skips were not found"))
    bench.sections.append(
        "## Explain a long log\n\n`warmupctl explain LOG [SPEC] --format json` on a CSV of 10^6 logged "
        "LRs (transformers cosine, 1 % warmup, fp16 skips planted at updates "
        f"{', '.join(map(str, EXPLAIN_SKIPPED))}), end to end, best of 2.\n\n"
        + table(["case", "wall", "CPU (user + system)", "peak memory", "explanation", "planted skips"],
                rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="no 10^9 runs; references above 10^5-10^6 extrapolated from their rate")
    parser.add_argument("--repeats", type=int, default=7, help="cold-start repeats (best is kept)")
    parser.add_argument("--json", metavar="FILE", help="also write the raw measurements here")
    parser.add_argument("--only", metavar="SECTIONS",
                        default="cold,imports,e2e,eval,plot,summary,replay,explain",
                        help="comma-separated subset of: cold,imports,e2e,eval,plot,summary,replay,explain")
    parser.add_argument("--worker", nargs=2, metavar=("NAME", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, str(ROOT))
        run_worker(args.worker[0], int(float(args.worker[1])))
        return
    started, before = time.perf_counter(), load()
    bench = Bench(args.quick, args.repeats)
    if not bench.torch:
        note("torch is not installed: the torch and transformers columns are skipped")
    elif not bench.transformers:
        note("transformers is not installed: its columns are skipped")
    steps = {"cold": bench.cold_start, "imports": bench.startup_breakdown, "e2e": bench.end_to_end,
             "eval": bench.evaluation, "plot": bench.plots, "summary": bench.summary_billion,
             "replay": bench.replays, "explain": lambda: explain_section(bench)}
    try:
        for name in args.only.split(","):
            steps[name.strip()]()
    finally:
        shutil.rmtree(bench.tmp, ignore_errors=True)  # the CSVs and plots written on the way
    text = bench.report(started, before)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps({"raw": bench.raw, "targets": [
            {"name": t.name, "measured": t.measured, "limit": t.limit, "met": t.met} for t in bench.targets]},
            indent=1, default=str))


if __name__ == "__main__":
    main()
