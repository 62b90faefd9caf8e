"""``warmupctl explain LOG SPEC --format json`` on logs with a cause planted at random known
parameters (a fixed set of seeds), written in each trainer's own format, logged every update and every
10: the top cause, its parameters as JSON numbers, a residual within the format's rounding, the cause
named in the text output; without SPEC, the schedule inferred.

Skipped steps before the first logged value cannot be told from the logging convention by the values:
there the reading under which the log starts on the schedule is expected (``preference``), with the
same position at every logged step as planted."""

import json

import numpy as np
import pytest

from tests.logs.planted import FORMATS, ROUNDING, logged, plant, positions_read, write

NAMES = list(FORMATS)
SEEDS = (11, 12)


def run(cli, tmp_path, case, fmt, every, with_spec=True):
    steps, lrs = logged(case, every)
    log = write(tmp_path, fmt, steps, lrs, max_steps=case["max_steps"], every=every)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(case["spec"]))
    args = ("explain", str(log), *((str(spec),) if with_spec else ()))
    result = cli(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["explained"] is True and doc["residual"] <= max(ROUNDING[fmt], 2.0 ** -52), doc["residual"]
    return steps, doc, args


def cases(causes, everies=(1, 10)):
    """Each cause at each seed, in a format and a logging period that turn with the seed."""
    return [pytest.param(cause, seed, NAMES[(i + j) % len(NAMES)], everies[(i + j) % len(everies)],
                         id=f"{cause}-{seed}-{NAMES[(i + j) % len(NAMES)]}-{everies[(i + j) % len(everies)]}")
            for i, cause in enumerate(causes) for j, seed in enumerate(SEEDS)]


@pytest.mark.parametrize(("cause", "seed", "fmt", "every"), cases(
    ("offset", "micro", "process", "epoch", "fresh", "micro_offset", "stopped", "skipped",
     "fresh_skips", "type", "total")) + cases(("restored", "warmup", "peak"), everies=(1,)))
def test_the_planted_cause_and_its_parameters(cli, tmp_path, cause, seed, fmt, every):
    case = plant(cause, seed)
    steps, doc, args = run(cli, tmp_path, case, fmt, every)
    expected = dict(case["expected"])
    if every > 1:
        expected.pop("updates", None)
    assert doc["cause"] == case["name"]
    assert {key: doc["parameters"].get(key) for key in expected} == expected
    assert all(isinstance(v, (int, float)) for k, v in doc["parameters"].items()
               if k in expected and not isinstance(expected[k], (str, list)))
    if case["name"] == "skipped":
        assert positions_read(doc["parameters"], steps).tolist() == \
            positions_read(case["expected"], steps).tolist()
    text = cli(*args).stdout
    assert case["name"] in text
    if cause == "stopped" and fmt.startswith("state"):
        assert any(note.startswith("the run stopped at update") for note in doc["notes"])


@pytest.mark.parametrize(("cause", "seed", "fmt", "every"), cases(("skipped_start", "skipped_warmup")))
def test_skips_at_the_start_are_read_from_the_schedule_start(cli, tmp_path, cause, seed, fmt, every):
    case = plant(cause, seed)
    steps, doc, _ = run(cli, tmp_path, case, fmt, every)
    params = doc["parameters"]
    planted = positions_read(case["expected"], steps)
    assert doc["cause"] in ("skipped", "offset", "none")
    assert positions_read(params, steps).tolist() == planted.tolist()
    # The reading that starts on the schedule, when one of the offsets tried has it.
    starts = [o for o in (-1, 0, 1) if steps[0] - o >= 0 and steps[0] - o == planted[0]]
    if starts:
        assert params["offset"] in starts


@pytest.mark.parametrize(("cause", "seed", "fmt"), [
    (cause, seed, NAMES[(i + j) % len(NAMES)]) for i, cause in enumerate(("offset", "stopped"))
    for j, seed in enumerate(SEEDS)])
def test_inferred_without_a_spec(cli, tmp_path, cause, seed, fmt):
    case = plant(cause, seed)
    _, doc, _ = run(cli, tmp_path, case, fmt, 1, with_spec=False)
    assert doc["inferred_spec"] == case["truth"]
    assert doc["parameters"]["offset"] == case["expected"]["offset"]


def test_nothing_explains_says_where(cli, tmp_path):
    case = plant("offset", 11)
    steps, lrs = logged(case, 1)
    noisy = lrs * np.random.default_rng(0).uniform(0.5, 1.5, len(lrs))
    log = write(tmp_path, "csv", steps, noisy, max_steps=case["max_steps"])
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(case["spec"]))
    doc = json.loads(cli("explain", str(log), str(spec), "--format", "json").stdout)
    assert doc["explained"] is False and doc["runners_up"]
    worst = doc["largest_deviations"]
    assert len(worst) == 5 and all(isinstance(w["step"], int) and isinstance(w["line"], int) for w in worst)
    assert worst[0]["rel_diff"] >= worst[-1]["rel_diff"] > 0


@pytest.mark.parametrize("seed", [1, 2])
def test_another_run_length_logged_every_10_keeps_the_spec_peak(cli, tmp_path, seed):
    """Neither the peak nor two values of the ramp are logged: the spec's warmup and peak are tried,
    so the run length is found (not a restored resume before the second logged value)."""
    case = plant("total", seed)
    _, doc, _ = run(cli, tmp_path, case, "csv", 10)
    assert doc["cause"] == "total"
    assert {key: doc["parameters"][key] for key in case["expected"]} == case["expected"]


@pytest.mark.parametrize("fmt", ["state450", "megatron"])
def test_a_resume_with_skips_in_an_offset_0_format_starts_on_the_schedule(cli, tmp_path, fmt):
    """Planted at offset 1 in a format whose convention is 0: offset 1 with the planted skips, not
    the convention's offset 0 with one more skip hidden before the first logged value."""
    case = plant("fresh_skips", 1)
    _, doc, _ = run(cli, tmp_path, case, fmt, 1)
    assert doc["cause"] == "resume"
    assert {key: doc["parameters"][key] for key in case["expected"]} == case["expected"]
