"""Scale without surprises: a walk in chunks gives the very floats of one whole-array evaluation, and the
summary, the plot's envelope and the CSV/JSON rows of a long schedule need bounded memory.

No test here is timed: speed is measured by ``bench/run.py`` (docs/benchmarks.md), not asserted.
"""

import io
import json
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import warmupctl
from warmupctl.calc.summary import _ExactSum, summarize
from warmupctl.core.vocabulary import KINDS, WARMUP_SHAPES
from warmupctl.engine import Phase, Piecewise, Schedule
from warmupctl.engine.schedule import CHUNK_SIZE
from warmupctl.render import text
from warmupctl.render.plot import Envelope, curve_points


def native(kind: str, shape: str = "linear", total: int = 997, **extra) -> Schedule:
    spec = {"kind": kind, "total_steps": total, "warmup_steps": total // 7, "warmup_shape": shape,
            "init_lr": 1e-6, "min_lr": 1e-7 if kind != "noam" else 0.0, **extra}
    if kind == "step":
        spec["step_size"] = total // 5
    if kind == "multistep":
        spec["milestones"] = [total // 3, total // 2, total - 3]
    if kind == "noam":
        spec.pop("min_lr")
    return warmupctl.schedule(**spec)


KIND_CASES = [(kind, "linear") for kind in KINDS] + [("cosine", shape) for shape in WARMUP_SHAPES]


def walk(schedule: Schedule, count: int, chunk: int, workers: int = 1) -> np.ndarray:
    blocks = list(schedule.iter_chunks(count, chunk, workers=workers))
    assert [first for first, _ in blocks] == list(range(0, count, chunk))
    return np.concatenate([block for _, block in blocks])


# ------------------------------------------------------------------------------------------------
# Chunked = whole array, to the bit
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "shape"), KIND_CASES)
def test_chunked_walks_equal_one_whole_array_bit_for_bit(kind, shape):
    schedule = native(kind, shape, step_offset=1 if shape == "smooth" else 0)
    count = schedule.total_steps + 40  # past the end, where the schedule holds its last value
    whole = schedule(np.arange(count))  # the general path: any indices, one array
    assert whole.tobytes() == schedule.values(count).tobytes()
    # Chunk sizes that cut phases into pieces of one update (numpy's one-element in-place loops
    # differ from its vector loops: the engine must not let that show), odd sizes, one chunk.
    for chunk in (1, 2, 3, 7, 64, 1000, count):
        assert walk(schedule, count, chunk).tobytes() == whole.tobytes(), chunk
    # Threads evaluate chunks ahead of the consumer: same floats, same order.
    assert walk(schedule, count, 5, workers=3).tobytes() == whole.tobytes()


# gamma 0.1: numpy's vector pow gives 0.1 ** 2 = 0.01, its one-element in-place loop (libm)
# 0.010000000000000002; a one-update piece of a chunk must not take the other loop.
TRICKY = Piecewise((
    Phase("warmup", 100, 1e-6, 1e-3, "exponential"), Phase("stable", 57, 1e-3, 1e-3, "constant"),
    Phase("decay", 1200, 1.5522074895422593e-3, 1e-9, "step_decay", {"step_size": 100, "gamma": 0.1}),
    Phase("tail", 333, 1e-5, 0.0, "cosine")), step_offset=3)


@given(first=st.integers(0, 3000), length=st.integers(1, 300))
def test_fill_equals_evaluation_of_the_same_range(first, length):
    out = np.full(length, np.nan)
    assert TRICKY.fill(first, out) is out
    assert out.tobytes() == TRICKY(np.arange(first, first + length)).tobytes()


def test_every_update_alone_equals_the_whole_array():
    whole = TRICKY(np.arange(2000))
    alone = np.concatenate([TRICKY.fill(k, np.empty(1)) for k in range(2000)])
    assert alone.tobytes() == whole.tobytes()
    assert np.concatenate([TRICKY([k]) for k in range(2000)]).tobytes() == whole.tobytes()


def test_walks_longer_than_the_threading_threshold_keep_order_and_values():
    schedule = native("wsd", "cosine", total=300_000, decay_ratio=0.2)
    threaded = walk(schedule, 300_000, 4096, workers=2)  # > 16 chunks: the thread pool runs
    assert threaded.tobytes() == schedule(np.arange(300_000)).tobytes()


def test_a_walk_stopped_early_leaves_no_work_behind():
    schedule = native("cosine", total=10**9)
    walker = schedule.iter_chunks(10**9, 1000, workers=2)
    first, block = next(walker)
    assert first == 0 and len(block) == 1000
    walker.close()  # cancels what was queued; must not evaluate the other 10^9 updates


def test_library_closed_forms_walk_like_they_evaluate():
    schedule = warmupctl.from_mapping({"schedule": "transformers.get_cosine_schedule_with_warmup",
                                       "lr": 1e-3, "args": {"num_warmup_steps": 30, "num_training_steps": 500}})
    whole = schedule(np.arange(600))
    assert walk(schedule, 600, 7).tobytes() == whole.tobytes()
    assert schedule.values(600).tobytes() == whole.tobytes()


# ------------------------------------------------------------------------------------------------
# The summary: one pass, the same answers as whole-array numpy
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "shape"), KIND_CASES)
def test_summary_equals_whole_array_numpy(kind, shape):
    schedule = native(kind, shape, total=5000)
    values = schedule.values()
    got = summarize(schedule)
    assert got.first_lr == values[0] and got.final_lr == values[-1]
    assert (got.peak_step, got.peak_lr) == (int(np.argmax(values)), values.max())
    assert (got.min_step, got.min_lr) == (int(np.argmin(values)), values.min())
    assert got.warmup_end_lr == values[schedule.warmup_steps]
    assert got.lr_sum == pytest.approx(math.fsum(values), rel=1e-13)
    assert got.mean_lr == pytest.approx(math.fsum(values) / len(values), rel=1e-13)


def test_summary_reads_each_update_once_and_shares_the_pass():
    calls = []

    def chunks(count, size):
        calls.append(count)
        for first in range(0, count, size):
            yield np.linspace(1.0, 0.0, count)[first:first + size]

    schedule = Schedule(fn=lambda k: pytest.fail("random access during a walk"), total_steps=300_000,
                        label="counted", warmup_steps=10, chunks=chunks)
    seen = []
    result = summarize(schedule, observers=[lambda first, block: seen.append((first, len(block)))])
    assert calls == [300_000]
    assert sum(n for _, n in seen) == 300_000 and seen[0][0] == 0
    assert result.peak_step == 0 and result.final_lr == 0.0
    assert result.warmup_end_lr == np.linspace(1.0, 0.0, 300_000)[10]


def test_summary_skips_nans_for_the_extremes_and_reports_them_in_the_sum():
    values = np.array([np.nan, 0.5, 2.0, np.nan, -1.0, 2.0] + [np.nan] * 10)
    schedule = Schedule(fn=lambda k: values[np.asarray(k)], total_steps=len(values), label="nan")
    for chunk in (1, 3, len(values)):
        result = summarize_in(schedule, chunk)
        assert (result.peak_step, result.peak_lr, result.min_step, result.min_lr) == (2, 2.0, 4, -1.0)
        assert math.isnan(result.lr_sum) and math.isnan(result.final_lr)


def summarize_in(schedule: Schedule, chunk: int):
    chunked = Schedule(fn=schedule.fn, total_steps=schedule.total_steps, label=schedule.label,
                       chunks=lambda count, size: (block for _, block in
                                                   Schedule(schedule.fn, count, "x").iter_chunks(count, chunk)))
    return summarize(chunked)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), max_size=60))
def test_exact_sum_equals_fsum(xs):
    total = _ExactSum()
    for x in xs:
        total.add(x)
    try:
        expected = math.fsum(xs)
    except OverflowError:
        return  # fsum refuses an intermediate overflow; the summary reports inf instead
    assert total.value() == expected


def test_exact_sum_of_infinities_is_nan_not_an_error():
    total = _ExactSum()
    for x in (1.0, math.inf, -math.inf):
        total.add(x)
    assert math.isnan(total.value())


# ------------------------------------------------------------------------------------------------
# Bounded memory
# ------------------------------------------------------------------------------------------------


def traced_peak(work) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_summary_of_ten_million_updates_needs_a_few_chunks_of_memory():
    n = 10**7
    schedule = native("cosine", total=n)
    peak = traced_peak(lambda: summarize(schedule))
    # The whole array would be 80 MB; a walk holds at most 2 * workers + 1 chunks of 512 KB.
    assert peak < 12 * CHUNK_SIZE * 8, peak


class Sink(io.TextIOBase):
    """A stream that keeps only the size of what it is given."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: str) -> int:
        self.size += len(data)
        return len(data)


@pytest.mark.parametrize("writer", ["csv", "json", "markdown"])
def test_rows_stream_in_memory_that_does_not_grow_with_the_length(writer):
    def peak_for(count: int) -> tuple[int, int]:
        schedule = native("linear", total=count)
        sink = Sink()
        rows = text.iter_rows(schedule, None, count, chunk=2048)
        write = {"csv": lambda: text.write_csv(sink, rows),
                 "markdown": lambda: text.write_markdown(sink, rows),
                 "json": lambda: text.write_json(sink, schedule, summarize(schedule), rows)}[writer]
        return traced_peak(write), sink.size

    short_peak, _ = peak_for(8_000)
    long_peak, long_size = peak_for(80_000)
    assert long_peak < 1.5 * short_peak + 200_000, (short_peak, long_peak)
    assert long_peak < long_size / 4, (long_peak, long_size)


# ------------------------------------------------------------------------------------------------
# Exact rows, fast
# ------------------------------------------------------------------------------------------------


def test_csv_and_json_rows_read_back_as_the_same_floats():
    lrs = np.array([0.0, 1e-4, 1 / 3, 9.999999994406073e-05, 5e-324, 1.7976931348623157e308, np.nan, -np.inf])
    steps = np.array([0, 1, 2, 3, 4, 5, 6, 7])
    csv = io.StringIO()
    text.write_csv(csv, [(steps[:3], lrs[:3]), (range(3, 8), lrs[3:])])
    lines = csv.getvalue().splitlines()
    assert lines[0] == "step,lr"
    back = [(int(s), float(x)) for s, x in (line.split(",") for line in lines[1:])]
    assert [s for s, _ in back] == list(range(8))
    np.testing.assert_array_equal(np.array([x for _, x in back]), lrs)  # NaN == NaN here
    assert [x for _, x in back][:6] == lrs[:6].tolist()

    schedule = Schedule(fn=lambda k: lrs[np.asarray(k)], total_steps=8, label="odd")
    out = io.StringIO()
    text.write_json(out, schedule, summarize(schedule), [(range(0, 8), lrs)])
    rows = json.loads(out.getvalue())["rows"]
    assert [r["step"] for r in rows] == list(range(8))
    assert [r["lr"] for r in rows] == lrs[:6].tolist() + [None, None]


def test_blocks_of_one_value_are_written_like_any_other():
    blocks = [np.full(5, 1e-4), np.array([0.0, -0.0, 0.0]), np.full(3, np.nan), np.array([2.5])]
    expected, step, rows = [], 0, []
    for lrs in blocks:
        rows.append((range(step, step + len(lrs)), lrs))
        expected += [(step + i, x) for i, x in enumerate(lrs.tolist())]
        step += len(lrs)
    csv, md, js = io.StringIO(), io.StringIO(), io.StringIO()
    text.write_csv(csv, rows)
    text.write_markdown(md, rows)
    schedule = Schedule(fn=lambda k: np.zeros(np.shape(k)), total_steps=step, label="blocks")
    text.write_json(js, schedule, summarize(schedule), rows)
    assert csv.getvalue() == "step,lr\n" + "".join(f"{s},{x!r}\n" for s, x in expected)
    assert md.getvalue().splitlines()[2:] == [f"| {s} | {x!r} |" for s, x in expected]
    assert [r["lr"] for r in json.loads(js.getvalue())["rows"]] == [
        None if math.isnan(x) else x for _, x in expected]
    assert "-0.0" in csv.getvalue()  # 0.0 and -0.0 are two values


def test_streamed_csv_of_a_long_schedule_equals_repr_of_each_value():
    schedule = native("cosine", "smooth", total=70_000)
    out = io.StringIO()
    text.write_csv(out, text.iter_rows(schedule, None, 70_000))
    values = schedule.values()
    expected = "step,lr\n" + "".join(f"{i},{repr(float(x))}\n" for i, x in enumerate(values))
    assert out.getvalue() == expected


# ------------------------------------------------------------------------------------------------
# The plot's envelope
# ------------------------------------------------------------------------------------------------


def test_envelope_passes_through_exact_points_and_keeps_every_spike():
    count = 1_000_003
    rng = np.random.default_rng(5)
    values = 1e-3 * (1 + np.sin(np.arange(count) / 5e4))
    spikes = rng.integers(0, count, 40)
    values[spikes] = rng.choice([5e-3, -5e-3], 40)
    schedule = Schedule(fn=lambda k: values[np.asarray(k)], total_steps=count, label="spiky")
    x, y = curve_points(schedule, count, max_points=1000)
    assert len(x) == 1000 and np.all(np.diff(x) >= 0)
    np.testing.assert_array_equal(y, values[x.astype(np.int64)])  # every point is (update, its LR)
    assert (x[0], y[0], x[-1], y[-1]) == (0, values[0], count - 1, values[-1])
    assert set(spikes.tolist()) <= set(x.astype(np.int64).tolist())
    # The columns and their extremes do not depend on how the walk was cut.
    envelope = Envelope(count, max_points=1000)
    for first in range(0, count, 777):
        envelope(first, values[first:first + 777])
    ex, ey = envelope.points()
    assert ex.tobytes() == x.tobytes() and ey.tobytes() == y.tobytes()


def test_short_curves_are_drawn_update_by_update():
    schedule = native("linear", total=500)
    x, y = curve_points(schedule, 500)
    assert x.tolist() == list(range(500)) and y.tobytes() == schedule.values().tobytes()


def test_a_plot_walks_each_schedule_once():
    pytest.importorskip("matplotlib")
    from warmupctl.render.plot import PlotOptions, build_figure

    walks = []
    base = native("cosine", total=400_000)

    def chunks(count, size):
        walks.append(count)
        for _, block in base.iter_chunks(count, size):
            yield block

    def fn(k):
        assert np.size(k) <= 4, "a plot evaluates the run in one walk, not by index"
        return base(k)

    counted = Schedule(fn=fn, total_steps=400_000, label="counted", warmup_steps=base.warmup_steps,
                       boundaries=base.boundaries, chunks=chunks)
    figure = build_figure([counted], PlotOptions())
    assert walks == [400_000]
    line = figure.axes[0].lines[0]
    peak = summarize(base)
    assert (peak.peak_step, peak.peak_lr) in set(zip(line.get_xdata().tolist(), line.get_ydata().tolist()))
