"""diffusers' ``get_scheduler`` (``src/diffusers/optimization.py``, diffusers 0.42.1), update by update.

Every schedule is a LambdaLR stepped after each update (update k uses ``lr·m(k)``). ``get_scheduler``
passes each name only some arguments: ``constant`` none; ``piecewise_constant`` ``step_rules``;
``constant_with_warmup`` the warmup; ``cosine_with_restarts`` ``num_cycles`` (default 1);
``polynomial`` ``power`` (its ``lr_end`` stays 1e-7, an absolute LR); ``linear`` and ``cosine`` the
warmup and length only (``cosine`` keeps ``num_cycles`` 0.5 whatever the caller gives). Their lambdas
are transformers' (:mod:`warmupctl.frameworks.transformers` builds them, with the same operations in
the same order: ``linear``'s ``f_min + (f_max − f_min)·x`` is ``x`` exactly at its defaults 0 and 1);
``piecewise_constant`` is its own: ``"v1:s1,v2:s2,...,last"`` gives ``v`` of the first (sorted) ``s``
with ``step < s``, else ``last``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._kit import FloatArray, IntArray, finish
from warmupctl.frameworks._registry import Arg, LibraryCall, LibrarySchedule, register

LIBRARY = "diffusers"
SOURCE = "diffusers 0.42.1, src/diffusers/optimization.py"
_W = Arg("num_warmup_steps", kind="int")
_N = Arg("num_training_steps", kind="int")
#: name -> (the transformers schedule with the same lambda, arguments get_scheduler passes, fixed ones)
_SAME: dict[str, tuple[str, tuple[Arg, ...], dict[str, object]]] = {
    "constant": ("constant", (Arg("num_training_steps", None, kind="int", nullable=True),), {}),
    "constant_with_warmup": ("constant_with_warmup",
                             (_W, Arg("num_training_steps", None, kind="int", nullable=True)), {}),
    "linear": ("linear", (_W, _N), {}),
    "cosine": ("cosine", (_W, _N), {"num_cycles": 0.5}),
    "cosine_with_restarts": ("cosine_with_restarts", (_W, _N, Arg("num_cycles", 1, kind="int")), {}),
    "polynomial": ("polynomial", (_W, _N, Arg("power", 1.0)), {"lr_end": 1e-7}),
}


def _delegate(name: str) -> Callable[[LibraryCall], Schedule]:
    target, _, fixed = _SAME[name]

    def build(call: LibraryCall) -> Schedule:
        if call.resolve is None:
            raise SpecError("needs the library resolver", path="args")
        args = {key: value for key, value in call.args.items() if value is not None}
        # The lambda is evaluated at any update; the run's length is decided here, by finish().
        inner: dict[str, object] = {"schedule": f"transformers.{target}", "lr": call.lr,
                                    "args": {**args, **fixed}, "total_steps": 1}
        schedule = call.resolve(inner, "args")
        notes = [note.replace("transformers", "diffusers") for note in schedule.notes]
        return finish(call, schedule.fn, natural=args.get("num_training_steps"),
                      warmup=schedule.warmup_steps, notes=notes,
                      boundaries=_marks(args), source=f"{SOURCE}, get_scheduler({name!r})")

    return build


def _marks(args: dict[str, object]) -> list[Boundary]:
    marks = []
    if args.get("num_warmup_steps"):
        marks.append(Boundary(int(args["num_warmup_steps"]), "warmup end"))  # type: ignore[call-overload]
    if args.get("num_training_steps"):
        marks.append(Boundary(int(args["num_training_steps"]), "decay end"))  # type: ignore[call-overload]
    return marks


def parse_rules(text: str, path: str = "args.step_rules") -> tuple[list[tuple[int, float]], float]:
    """``"1:10,0.1:20,0.01"`` -> ``([(10, 1.0), (20, 0.1)], 0.01)``, sorted by step, as diffusers reads it."""
    parts = str(text).split(",")
    rules: dict[int, float] = {}
    try:
        for part in parts[:-1]:
            value, steps = part.split(":")
            rules[int(steps)] = float(value)
        last = float(parts[-1])
    except ValueError:
        raise SpecError("not diffusers' step_rules", path=path, value=text,
                        hint='"value:step,...,last", e.g. "1:10,0.1:20,0.01" (diffusers raises '
                             'ValueError)') from None
    return sorted(rules.items()), last


def _piecewise(call: LibraryCall) -> Schedule:
    rules, last = parse_rules(call.args["step_rules"])
    lr = float(call.lr or 0.0)
    edges = np.array([step for step, _ in rules], dtype=np.int64)
    values = np.array([value for _, value in rules] + [last], dtype=np.float64)

    def fn(k: IntArray) -> FloatArray:
        return values[np.searchsorted(edges, np.asarray(k), side="right")] * lr

    marks = [Boundary(step, f"× {values[i + 1]:g}") for i, step in enumerate(edges.tolist())]
    return finish(call, fn, natural=None, boundaries=marks, detail="step_rules set no end",
                  source=f"{SOURCE}, get_piecewise_constant_schedule")


for _name, (_target, _args, _fixed) in _SAME.items():
    register(LibrarySchedule(
        name=_name, library=LIBRARY, build=_delegate(_name), args=_args, source=f"{SOURCE}, get_scheduler",
        formula=f"transformers' {_target} lambda" + (f" with {_fixed}" if _fixed else ""),
    ))
register(LibrarySchedule(
    name="piecewise_constant", library=LIBRARY, build=_piecewise, args=(Arg("step_rules", kind="str"),),
    source=f"{SOURCE}, get_piecewise_constant_schedule",
    formula="v of the first sorted rule step s with k < s, else the last multiple",
))
