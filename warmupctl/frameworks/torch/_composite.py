"""torch's composite schedulers (torch 2.13.0, ``torch/optim/lr_scheduler.py``): SequentialLR and
ChainedScheduler, driving their sub-schedulers on one shared param group. See
:mod:`warmupctl.frameworks.torch` for the model.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from warmupctl.frameworks._kit import FloatArray
from warmupctl.frameworks.torch._ops import _apply, _Group, _TorchRaise
from warmupctl.frameworks.torch._schedulers import _Leaf, _Sim

# --------------------------------------------------------------------------------------------------
# Composites
# --------------------------------------------------------------------------------------------------


class _Composite(_Sim):
    composite = True

    def __init__(self, children: list[_Sim]) -> None:
        self.children = children

    def construct_children(self, group: _Group) -> None:
        for child in self.children:
            child.construct(group)

    def initial_step(self, group: _Group) -> None:
        self.run(group, 1)  # LRScheduler._initial_step calls the composite's own step()

    def update_lr0(self, group: _Group) -> None:
        raise _TorchRaise(f"NotImplementedError ({self.name} has no get_lr of its own: "
                          "SequentialLR cannot restart it at a milestone)")

    def undo(self) -> None:
        for child in self.children:
            child.undo()

    def may_raise(self, horizon: int) -> bool:
        return any(child.may_raise(horizon) for child in self.children)


class _SequentialLR(_Composite):
    """SequentialLR: at step ``e`` the active scheduler is ``bisect_right(milestones, e)``; at a
    milestone it restarts at its own step 0 (``_update_lr(0)``), otherwise it steps."""

    name = "SequentialLR"

    def __init__(self, children: list[_Sim], milestones: list[int]) -> None:
        super().__init__(children)
        self.milestones = list(milestones)
        self.cuts = sorted(set(self.milestones))
        self.last_epoch = 0

    def construct(self, group: _Group) -> None:
        self.construct_children(group)
        self.last_epoch = 0
        assert group.initial_lr is not None
        group.lr = group.initial_lr
        self.undo()
        self.children[bisect_right(self.milestones, 0)].initial_step(group)

    def run(self, group: _Group, n: int) -> FloatArray:
        out: list[FloatArray] = []
        e, end = self.last_epoch + 1, self.last_epoch + 1 + n
        try:
            while e < end:
                idx = bisect_right(self.milestones, e)
                child = self.children[idx]
                if idx > 0 and self.milestones[idx - 1] == e:
                    self.last_epoch = e
                    child.update_lr0(group)
                    out.append(np.array([group.lr]))
                    e += 1
                    continue
                later = bisect_right(self.cuts, e)
                stop = min(end, self.cuts[later]) if later < len(self.cuts) else end
                self.last_epoch = stop - 1
                out.append(child.run(group, stop - e))
                e = stop
        except _TorchRaise as exc:
            exc.values[:0] = out
            raise
        return np.concatenate(out) if out else np.empty(0)

    def may_raise(self, horizon: int) -> bool:
        return super().may_raise(horizon) or any(c.composite for c in self.children[1:])

    def natural_end(self) -> int | None:
        tail = self.children[-1].natural_end()
        if tail is None:
            return None
        return (self.milestones[-1] if self.milestones else 0) + tail

    def switches(self) -> list[tuple[int, int]]:
        """``(update, index)`` of every milestone switch, in order."""
        out = []
        for cut in self.cuts:
            idx = bisect_right(self.milestones, cut)
            if cut > 0 and idx > 0 and self.milestones[idx - 1] == cut:
                out.append((cut, idx))
        return out


class _ChainedScheduler(_Composite):
    """ChainedScheduler: every step calls each scheduler's ``step()`` in order on the same LR."""

    name = "ChainedScheduler"

    def construct(self, group: _Group) -> None:
        self.construct_children(group)

    def run(self, group: _Group, n: int) -> FloatArray:
        if all(not c.composite for c in self.children):
            return self._run_leaves(group, n)
        out = np.empty(n)
        for i in range(n):
            try:
                for child in self.children:
                    child.run(group, 1)
            except _TorchRaise as exc:
                exc.values = [out[:i].copy()]
                raise
            out[i] = group.lr
        return out

    def _run_leaves(self, group: _Group, n: int) -> FloatArray:
        leaves: list[_Leaf] = self.children  # type: ignore[assignment]
        k = len(leaves)
        kinds = np.empty((n, k), dtype=np.int8)
        a = np.empty((n, k))
        b = np.empty((n, k))
        fail: int | None = None
        error = ""
        for j, leaf in enumerate(leaves):
            t = np.arange(leaf.last_epoch + 1, leaf.last_epoch + 1 + n, dtype=np.int64)
            leaf.last_epoch += n
            ops = leaf.ops(t, initial=False)
            kinds[:, j], a[:, j], b[:, j] = ops.kinds(), ops.a, ops.etas()
            first = ops.fail
            if first is not None and (fail is None or first * k + j < fail):
                fail, error = first * k + j, ops.error
        count = n * k if fail is None else fail
        flat = _apply(group.lr, kinds.ravel()[:count], a.ravel()[:count], b.ravel()[:count])
        values = flat[k - 1::k]
        if values.size:
            group.lr = float(values[-1])
        if fail is not None:
            raise _TorchRaise(error, [values])
        return values

    def natural_end(self) -> int | None:
        ends = [e for e in (c.natural_end() for c in self.children) if e is not None]
        return max(ends) if ends else None
