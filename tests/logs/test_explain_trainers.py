"""A log is explained in the words of the trainer that wrote it: a Megatron-LM log counts iterations
and prints the LR set for the next one; a fairseq log logs the LR of ``num_updates``."""

import json

import numpy as np

from warmupctl.calc.explain import explain
from warmupctl.calc.infer import planned, rebuilder
from warmupctl.spec.logs import read_log
from warmupctl.spec.resolve import resolve

SPEC = {"kind": "cosine", "lr": 3e-4, "min_lr": 3e-5, "warmup_steps": 20, "total_steps": 300}
SKIPPED = [40, 41, 150]


def megatron_log(tmp_path, skipped=SKIPPED, every=1):
    """Megatron-LM's training_log lines (%.6E), the LR printed after opt_param_scheduler.step():
    at iteration N the LR of update N, with the scheduler not stepped at ``skipped`` updates."""
    schedule = resolve(SPEC)
    lines = []
    for n in range(every, 300, every):
        position = n - int(np.searchsorted(np.asarray(skipped), n, side="left"))
        count = sum(1 for u in skipped if n - every <= u < n)
        lines.append(f" iteration {n:8d}/     300 | consumed samples: {n * 8:12d} | elapsed time per "
                     f"iteration (ms): 512.3 | learning rate: {float(schedule([position])[0]):.6E} | "
                     f"global batch size:     8 | lm loss: 7.5E+00 | loss scale: 65536.0 | "
                     f"number of skipped iterations: {count:3d} | number of nan iterations:   0 |")
    path = tmp_path / "megatron.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def explained(path):
    log = read_log(str(path))
    schedule = resolve(SPEC)
    return log, explain(schedule, log.steps, log.lrs, rounding=log.rounding, convention=log.offset,
                        rebuild=rebuilder(schedule.spec), planned=planned(schedule.spec),
                        facts=log.facts, kind=log.kind)


def test_megatron_skipped_iterations_in_megatron_words(tmp_path):
    log, report = explained(megatron_log(tmp_path))
    best = report.best
    assert best.name == "skipped" and best.offset == 0 and best.explained
    assert best.causes[0].params["updates"] == SKIPPED
    text = best.describe()
    assert text.startswith("3 iterations skipped (Megatron-LM: an fp16 loss-scale overflow")
    assert "the log itself counts 3 skipped iterations" in text and "transformers" not in text


def test_megatron_convention_in_megatron_words(tmp_path, cli):
    path = megatron_log(tmp_path, skipped=[])
    log, report = explained(path)
    assert report.best.name == "none" and report.best.explained
    assert report.best.describe() == "the log follows the schedule (update = iteration)"
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps(SPEC))
    result = cli("summary", str(spec), "--actual", str(path), "--format", "json")
    actual = json.loads(result.stdout)["actual"]
    assert actual["alignment"].startswith("update = iteration: Megatron-LM prints on the line of "
                                          "iteration N the LR that opt_param_scheduler.step() set")
    assert "transformers" not in result.stderr


def test_fairseq_offset_in_fairseq_words(tmp_path):
    schedule = resolve(SPEC)
    lines = [f"epoch 001:  {n:5d} / 300 loss=9.867, ppl=933.2, wps=1.2e+04, num_updates={n}, "
             f"lr={float(schedule([n - 1])[0]):g}, gnorm=1.5" for n in range(1, 300)]
    path = tmp_path / "train.log"
    path.write_text("\n".join(lines) + "\n")
    log, report = explained(path)
    assert report.best.name == "offset" and report.best.offset == 1 and report.best.explained
    assert report.best.describe() == ("logging convention: update = num_updates − 1: the LR of the "
                                      "update just done (fairseq logs the next one's: not how it logs)")
