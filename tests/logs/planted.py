"""Planting causes in synthetic logs: the position each update reads, and the log written in a
trainer's own format. One helper for every planted-log test of ``explain``.

A planted log is ``(steps, lrs)``: the value logged at ``step`` is the planned schedule at the
position the scheduler had reached at update ``step − offset`` (``offset`` 1: transformers >= 4.51
logs the LR of the update just done at ``step`` = update + 1; 0: <= 4.50 and Megatron-LM).
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Sequence

import numpy as np

from warmupctl.spec.resolve import resolve


def lagged(k: np.ndarray, skipped: Sequence[int]) -> np.ndarray:
    """Positions of updates ``k`` when the scheduler is not stepped at the ``skipped`` updates."""
    return k - np.searchsorted(np.asarray(sorted(skipped), dtype=np.int64), k, side="left")


def lrs_at(spec: dict, positions: np.ndarray) -> np.ndarray:
    """The planned schedule of ``spec`` at each position (float64, as the schedule computes it)."""
    return np.asarray(resolve(spec)(np.asarray(positions, dtype=np.int64)), dtype=np.float64)


def trainer_state(steps, lrs, *, stateful: bool, max_steps: int, logging_steps: int = 1) -> str:
    """transformers' trainer_state.json: ``stateful_callbacks`` exists from 4.41 on, so a state
    without it reads as written before 4.51 (``update = step``), with it as 4.51+ (the fit decides)."""
    history = [{"loss": 1.0, "grad_norm": 0.5, "learning_rate": float(v), "epoch": 0.0, "step": int(s)}
               for s, v in zip(steps, lrs)]
    state = {"global_step": int(steps[-1]), "max_steps": max_steps, "logging_steps": logging_steps,
             "log_history": history}
    if stateful:
        state["stateful_callbacks"] = {"TrainerControl": {"args": {}, "attributes": {}}}
    return json.dumps(state, indent=2)


def llamafactory(steps, lrs, *, max_steps: int) -> str:
    """LLaMA-Factory's trainer_log.jsonl (the recent ``lr`` key)."""
    return "".join(json.dumps({"current_steps": int(s), "total_steps": max_steps, "loss": 1.0,
                               "lr": float(v), "epoch": 0.1}) + "\n" for s, v in zip(steps, lrs))


def wandb_csv(steps, lrs) -> str:
    """A W&B CSV export: ``train/global_step`` and the LR as Python prints a float (round trip)."""
    return "train/global_step,train/learning_rate,train/loss\n" + "".join(
        f"{int(s)},{float(v)!r},1.0\n" for s, v in zip(steps, lrs))


def tensorboard_csv(steps, lrs) -> str:
    """TensorBoard's CSV export: the scalar as float32 (what an event file keeps)."""
    return "Wall time,Step,Value\n" + "".join(
        f"1700000000.0,{int(s)},{float(np.float32(v))!r}\n" for s, v in zip(steps, lrs))


def megatron(steps, lrs, *, max_steps: int) -> str:
    """Megatron-LM's training_log lines: ``learning rate: %.6E`` on the line of each iteration."""
    return "".join(f" iteration {int(s):8d}/{max_steps:8d} | consumed samples: {int(s) * 8:12d} | "
                   f"learning rate: {float(v):.6E} | global batch size:     8 | lm loss: 7.5E+00 | "
                   f"number of skipped iterations:   0 | number of nan iterations:   0 |\n"
                   for s, v in zip(steps, lrs))


#: Each format: its file name and how it is written (``max_steps``: the run's planned length).
FORMATS = {
    "state450": ("trainer_state.json", lambda s, v, m, n: trainer_state(s, v, stateful=False, max_steps=m,
                                                                         logging_steps=n)),
    "state451": ("trainer_state.json", lambda s, v, m, n: trainer_state(s, v, stateful=True, max_steps=m,
                                                                         logging_steps=n)),
    "jsonl": ("trainer_log.jsonl", lambda s, v, m, n: llamafactory(s, v, max_steps=m)),
    "csv": ("wandb_export.csv", lambda s, v, m, n: wandb_csv(s, v)),
    "tbcsv": ("run-tag-lr.csv", lambda s, v, m, n: tensorboard_csv(s, v)),
    "megatron": ("train.log", lambda s, v, m, n: megatron(s, v, max_steps=m)),
}

#: The relative rounding each format's values carry (a value within it is reproduced).
ROUNDING = {"state450": 0.0, "state451": 0.0, "jsonl": 0.0, "csv": 0.0, "tbcsv": 2.0 ** -24,
            "megatron": 0.5e-6}


def write(folder: pathlib.Path, fmt: str, steps, lrs, *, max_steps: int, every: int = 1) -> pathlib.Path:
    """Write the planted ``(steps, lrs)`` as format ``fmt`` into ``folder``; returns the file."""
    name, build = FORMATS[fmt]
    path = folder / name
    path.write_text(build(np.asarray(steps), np.asarray(lrs), max_steps, every), encoding="utf-8")
    return path


# --- planted cases -------------------------------------------------------------------------------------

CAUSES = ("offset", "skipped", "skipped_start", "skipped_warmup", "micro", "process", "epoch", "fresh",
          "restored", "warmup", "total", "peak", "type", "stopped", "fresh_skips", "micro_offset")


def _spec(family: str, peak: float, warmup: int, total: int) -> dict:
    return {"schedule": f"transformers.{family}", "lr": peak,
            "args": {"num_warmup_steps": warmup, "num_training_steps": total}}


def plant(cause: str, seed: int) -> dict:
    """One planted case: ``spec`` (the plan), ``steps``/``lrs`` (every update), ``max_steps``, and
    ``expected``: the top cause's name and its parameters as ``explain --format json`` gives them."""
    rng = np.random.default_rng([seed, CAUSES.index(cause)])
    family = str(rng.choice(["cosine", "linear"]))
    peak = float(f"{rng.integers(1, 10)}e-{rng.integers(3, 5)}")
    warmup, total = int(rng.integers(10, 60)), int(rng.integers(300, 800))
    spec = _spec(family, peak, warmup, total)
    offset = int(rng.integers(0, 2))
    k = np.arange(total)
    length, actual, positions = total, spec, k
    expected: dict = {"offset": offset}
    name = "none" if offset == 0 else "offset"
    if cause.startswith("skipped") or cause == "fresh_skips":
        low, high = {"skipped": (3, total - 20), "skipped_start": (0, 3),
                     "skipped_warmup": (3, warmup), "fresh_skips": (3, total - 20)}[cause]
        count = int(rng.integers(1, 4 if cause == "skipped_start" else 5))
        skipped = sorted(int(u) for u in rng.choice(np.arange(low, high), count, replace=False))
        if cause == "skipped_start" and count < 3:  # and one later, so the lag grows inside the log
            skipped.append(int(rng.integers(warmup, total - 20)))
        positions = lagged(k, skipped)
        name = "skipped"
        expected |= {"count": len(skipped), "updates": skipped}
        if cause == "fresh_skips":
            at = int(rng.integers(warmup + 50, total - 100))
            before = [u for u in skipped if u < at]
            after = [u for u in skipped if u >= at]
            positions = np.where(k < at, lagged(k, before), lagged(k - at, [u - at for u in after]))
            name = "resume"
            expected |= {"at": at, "scheduler": "fresh"}
    elif cause in ("micro", "process", "micro_offset"):
        factor = int(rng.integers(2, 9))
        if cause == "process":
            positions, name, expected = k * factor, "per-process", expected | {"processes": factor}
        else:
            positions = (k + 1) * factor - 1
            name, expected = "per-micro-batch", expected | {"grad_accum": factor}
    elif cause == "epoch":
        per = int(rng.integers(7, 60))
        positions, name, expected = k // per, "per-epoch", expected | {"updates_per_epoch": per}
    elif cause == "fresh":
        at = int(rng.integers(warmup + 10, total - 100))
        positions, name = np.where(k < at, k, k - at), "resume"
        expected |= {"at": at, "scheduler": "fresh"}
    elif cause == "restored":
        at, longer = int(rng.integers(warmup + 10, total - 100)), total + int(rng.integers(50, 500))
        length = longer - int(rng.integers(0, 50))
        k = np.arange(length)
        before = lrs_at(spec, np.minimum(k, total))
        after = lrs_at(_spec(family, peak, warmup, longer), k)
        lrs = np.where(k < at, before, after)
        expected |= {"at": at, "scheduler": "restored", "total": longer}
        return {"cause": cause, "spec": spec, "steps": k + offset, "lrs": lrs, "max_steps": longer,
                "name": "resume", "expected": expected, "truth": None}
    elif cause in ("warmup", "total", "peak"):
        new = {"warmup": int(rng.integers(10, 60)), "total": int(rng.integers(300, 800)),
               "peak": float(f"{rng.integers(1, 10)}e-{rng.integers(3, 5)}")}[cause]
        old = {"warmup": warmup, "total": total, "peak": peak}[cause]
        if new == old:
            new = new * 2
        args = {"warmup": (peak, new, total), "total": (peak, warmup, new), "peak": (new, warmup, total)}
        actual = _spec(family, *args[cause])
        length = min(total, actual["args"]["num_training_steps"])
        k = np.arange(length)
        positions, name = k, cause
        expected |= {cause: new, f"planned_{cause}": old}
    elif cause == "type":
        other = "linear" if family == "cosine" else "cosine"
        actual = _spec(other, peak, warmup, total)
        positions, name = k, "type"
        expected |= {"schedule": f"transformers.{other}", "warmup": warmup, "total": total, "peak": peak}
    elif cause == "stopped":
        length = int(rng.integers(total // 3, total - 20))
        k = positions = np.arange(length)
    steps = k[:length] + offset
    lrs = lrs_at(actual, positions[:length])
    return {"cause": cause, "spec": spec, "steps": steps, "lrs": lrs, "max_steps": total, "name": name,
            "expected": expected, "truth": actual if cause in ("offset", "stopped") else None}


def logged(case: dict, every: int) -> tuple[np.ndarray, np.ndarray]:
    """The planted values as a run logging every ``every`` updates writes them (from step 1)."""
    steps, lrs = case["steps"], case["lrs"]
    keep = (steps >= 1) & (steps % every == 0)
    return steps[keep], lrs[keep]


def positions_read(params: dict, steps: np.ndarray) -> np.ndarray:
    """The positions a skipped-steps explanation (``explain``'s JSON ``parameters``) reads at the
    logged ``steps``: from its ``updates``, or from its ``windows`` when the log skips updates."""
    updates = steps - params["offset"]
    if params.get("updates") is not None:
        return lagged(updates, params["updates"])
    lag = np.zeros(len(updates), dtype=np.int64)
    for window in params.get("windows") or ():
        lag += (updates > window["last"]) * window["count"]
    return updates - lag
