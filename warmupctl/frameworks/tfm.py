"""TF Model Garden's learning rate: ``OptimizerFactory.build_learning_rate`` (``tfm.build_learning_rate``).

Restated from tensorflow/models (``official/modeling/optimization/optimizer_factory.py`` and
``configs/learning_rate_config.py`` at commit 00d83f37, ``lr_schedule.py`` at commit 00b830c7): the
decay named by ``learning_rate.type`` is built from its config's fields, then wrapped by the warmup
named by ``warmup.type``. The optimizer reads ``schedule(iterations)``, ``iterations`` counting the
updates before it, so **update k uses schedule(k)**. Everything is TensorFlow float32, one rounding
per operation, in the source's order:

* ``constant``: ``learning_rate``;
* ``stepwise`` (``PiecewiseConstantDecayWithOffset``): ``x = k - offset``; ``values[0]`` while
  ``x <= boundaries[0]``, ``values[i]`` while ``boundaries[i-1] < x <= boundaries[i]``, the last value
  after the last boundary;
* ``cosine`` (``CosineDecayWithOffset`` over Keras 2's ``CosineDecay``): ``s = min(k - offset, D)``,
  ``c = 0.5 × (1 + cos(π × s / D))``, ``lr = initial × ((1 - alpha) × c + alpha)``;
* ``polynomial`` (``PolynomialDecay``): ``s = min(k - offset, D)`` (with ``cycle``: ``D`` times
  ``ceil(s / D)``, 1 at 0), ``lr = (initial - end) × (1 - s / D) ** power + end``;
* ``exponential`` (``ExponentialDecay``): ``p = (k - offset) / D`` (floored with ``staircase``),
  ``lr = initial × decay_rate ** p``;
* ``power`` (``DirectPowerDecay``): ``initial × max(k, 1) ** power``.

The warmups take the decay's value at ``W = warmup_steps`` as their target and hand over at ``W``
(``k < W`` warms up, as ``tf.cond(global_step < warmup_steps, ...)``):

* ``linear`` (``LinearWarmup``): ``warmup_learning_rate + k / W × (target - warmup_learning_rate)``;
* ``polynomial`` (``PolynomialWarmUp``): ``target × (max(k, 1) / W) ** power``.

The decay runs on the update index itself, not shifted by the warmup (unless its ``offset`` says so),
so a cosine of ``decay_steps = train_steps`` with a warmup starts its descent at update 0 and the
warmup ends on the decayed value ``cosine(W)``. ``power_linear``, ``power_with_offset`` and
``step_cosine_with_offset`` are refused (not restated). The float32 transcendentals are rounded once
from float64 (TensorFlow's CPU kernels may differ by an ulp).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from warmupctl.core.errors import SpecError
from warmupctl.engine import Boundary, Schedule
from warmupctl.frameworks._float32 import F32, PI32, F32Array, cos32, f32, pow32
from warmupctl.frameworks._kit import FloatArray, IntArray, finish
from warmupctl.frameworks._registry import Arg, LibraryCall, LibrarySchedule, register

SOURCE = ("tensorflow/models 00d83f37, official/modeling/optimization/optimizer_factory.py, "
          "OptimizerFactory.build_learning_rate + lr_schedule.py (00b830c7)")
DECAYS = ("constant", "stepwise", "cosine", "polynomial", "exponential", "power")
#: Types of ``learning_rate`` the Model Garden has and warmupctl does not restate.
NOT_RESTATED = ("power_linear", "power_with_offset", "step_cosine_with_offset")
WARMUPS = ("none", "linear", "polynomial")
_HALF, _ONE = F32(0.5), F32(1.0)


def _need(call: LibraryCall, name: str, why: str) -> float:
    value = call.args[name]
    if value is None:
        raise SpecError(f"{call.args['decay']} needs {name}", path=f"args.{name}",
                        hint=f"the Model Garden's config has no default for it ({why})")
    return value


def _decay(call: LibraryCall) -> tuple[Callable[[IntArray], F32Array], int | None, list[Boundary]]:
    """The decay as float32 of the update index, its natural end, and its marks."""
    a = call.args
    kind, offset = a["decay"], int(a["offset"])
    if kind == "constant":
        level = F32(a["learning_rate"])
        return (lambda k: np.full(k.shape, level, dtype=np.float32)), None, []
    if kind == "stepwise":
        bounds, values = list(a["boundaries"] or []), list(a["values"] or [])
        if not bounds or len(values) != len(bounds) + 1:
            raise SpecError(f"stepwise needs one more value than boundaries ({len(bounds)} boundaries, "
                            f"{len(values)} values)", path="args.values", value=values,
                            hint="values[i] is used up to boundaries[i], values[-1] after the last")
        levels = f32(values)

        def stepwise(k: IntArray) -> F32Array:
            x = f32(k - offset)
            out = np.full(k.shape, levels[-1], dtype=np.float32)
            out[x <= bounds[0]] = levels[0]
            for low, high, level in zip(bounds[:-1], bounds[1:], levels[1:-1]):
                out[(x > low) & (x <= high)] = level
            return out

        marks = [Boundary(b + offset + 1, f"{v:g}") for b, v in zip(bounds, values[1:])]
        return stepwise, max(bounds) + offset + 1, marks
    initial = F32(_need(call, "initial_learning_rate", "initial_learning_rate"))
    if kind == "power":
        power = F32(a["power"] if a["power"] is not None else -0.5)
        return (lambda k: initial * pow32(np.maximum(f32(k), _ONE), power)), None, []
    steps = int(_need(call, "decay_steps", "decay_steps"))
    if steps < 1:
        raise SpecError("must be positive", path="args.decay_steps", value=steps,
                        hint="the Keras schedules divide by it")
    d = F32(steps)
    if kind == "cosine":
        alpha = a["alpha"]

        def cosine(k: IntArray) -> F32Array:
            s = np.minimum(f32(k - offset), d)
            c = _HALF * (_ONE + cos32(PI32 * (s / d)))
            return initial * (F32(1 - alpha) * c + F32(alpha))

        return cosine, steps + offset, []
    if kind == "polynomial":
        end, power, cycle = F32(a["end_learning_rate"]), F32(a["power"] if a["power"] is not None
                                                            else 1.0), a["cycle"]

        def polynomial(k: IntArray) -> F32Array:
            s = f32(k - offset)
            span = np.full(k.shape, d, dtype=np.float32)
            if cycle:
                span = span * np.where(s == 0, _ONE, np.ceil(s / d)).astype(np.float32)
            else:
                s = np.minimum(s, d)
            return (initial - end) * pow32(_ONE - s / span, power) + end

        return polynomial, None if cycle else steps + offset, []
    rate = F32(_need(call, "decay_rate", "decay_rate"))
    staircase = a["staircase"]

    def exponential(k: IntArray) -> F32Array:
        p = f32(k - offset) / d
        return initial * pow32(rate, np.floor(p) if staircase else p)

    return exponential, None, []


def _build(call: LibraryCall) -> Schedule:
    a = call.args
    if a["decay"] in NOT_RESTATED:
        raise SpecError("is not restated by warmupctl", path="args.decay", value=a["decay"],
                        hint=f"warmupctl reads {', '.join(DECAYS)}; tabulate the run's logged LR instead")
    decay, natural, marks = _decay(call)
    kind, warmup = a["warmup"], a["warmup_steps"]
    notes = [f"learning_rate type {a['decay']}" + (f", {kind} warmup over {warmup} updates"
                                                   if kind != "none" else ", no warmup")]
    if kind == "none":
        fn: Callable[[IntArray], F32Array] = decay
        w = 0
    else:
        if warmup is None or warmup < 0:
            raise SpecError(f"a {kind} warmup needs warmup_steps", path="args.warmup_steps", value=warmup,
                            hint="the Model Garden's warmup config has no default for it")
        w = int(warmup)
        target = decay(np.array([w], dtype=np.int64))[0]  # after_warmup_lr_sched(warmup_steps)
        init, power = F32(a["warmup_learning_rate"]), F32(a["warmup_power"])
        if w == 0 and kind == "linear":
            fn = decay  # global_step < 0 never holds: the decay from update 0
        else:
            def fn(k: IntArray) -> F32Array:
                out = decay(k)
                warm = k < w
                s = f32(k[warm])
                if kind == "linear":
                    out[warm] = init + s / F32(w) * (target - init)
                else:
                    out[warm] = target * pow32(np.maximum(s, _ONE) / F32(w), power)
                return out
        notes.append(f"the warmup climbs to the decay's own value at update {w} "
                     f"({float(target):.9g}), not to initial_learning_rate: the decay runs from update 0"
                     + (f" (offset {a['offset']})" if a["offset"] else ""))

    def lr(k: IntArray) -> FloatArray:
        return fn(np.asarray(k, dtype=np.int64)).astype(np.float64)

    return finish(call, lr, natural=natural, warmup=w, boundaries=marks, notes=notes,
                  detail="give total_steps (the experiment's trainer.train_steps)")


register(LibrarySchedule(
    name="build_learning_rate", library="tfm", lr="unused",
    args=(
        Arg("decay", "constant", kind="str", choices=(*DECAYS, *NOT_RESTATED),
            doc="optimizer_config.learning_rate.type"),
        Arg("learning_rate", 0.1, doc="constant: the LR (ConstantLrConfig)"),
        Arg("initial_learning_rate", None, nullable=True, doc="the decay's starting LR"),
        Arg("decay_steps", None, kind="int", nullable=True, doc="cosine, polynomial, exponential: D"),
        Arg("alpha", 0.0, doc="cosine: the floor as a fraction of initial_learning_rate"),
        Arg("end_learning_rate", 0.0001, doc="polynomial: the end LR (PolynomialLrConfig default)"),
        Arg("power", None, nullable=True, doc="polynomial (default 1.0) or power (default -0.5) exponent"),
        Arg("cycle", False, kind="bool", doc="polynomial: restart every decay_steps"),
        Arg("decay_rate", None, nullable=True, doc="exponential: the factor per decay_steps"),
        Arg("staircase", False, kind="bool", doc="exponential: floor the exponent"),
        Arg("boundaries", None, kind="ints", nullable=True, doc="stepwise: updates after which the next "
                                                                "value starts"),
        Arg("values", None, kind="floats", nullable=True, doc="stepwise: one more than boundaries"),
        Arg("offset", 0, kind="int", doc="the decay runs at k - offset"),
        Arg("warmup", "none", kind="str", choices=WARMUPS, doc="optimizer_config.warmup.type"),
        Arg("warmup_steps", None, kind="int", nullable=True, doc="W: updates k < W warm up"),
        Arg("warmup_learning_rate", 0.0, doc="linear warmup: the LR at update 0"),
        Arg("warmup_power", 1.0, doc="polynomial warmup: the exponent"),
    ),
    build=_build, source=SOURCE,
    formula="decay(k) by learning_rate.type in float32; k < W: linear a + k / W × (decay(W) - a), or "
            "polynomial decay(W) × (max(k, 1) / W) ** power",
))

