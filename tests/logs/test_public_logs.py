"""Real logs from public repositories (tests/data/logs/public/README.md: repository, path, commit)."""

import pathlib

from warmupctl.calc.explain import explain
from warmupctl.calc.infer import infer, planned, rebuilder
from warmupctl.spec import load_spec
from warmupctl.spec.logs import read_log

PUBLIC = pathlib.Path(__file__).resolve().parents[1] / "data" / "logs" / "public"


def explained(log_name: str, spec_name: str):
    log = read_log(str(PUBLIC / log_name))
    schedule = load_spec(str(PUBLIC / spec_name), {})
    return log, explain(schedule, log.steps, log.lrs, rounding=log.rounding, convention=log.offset,
                        rebuild=rebuilder(schedule.spec), planned=planned(schedule.spec), facts=log.facts)


def test_whisper_fp16_run_skipped_four_optimizer_steps():
    log, report = explained("whisper_fp16_trainer_state.json", "whisper_fp16.yaml")
    assert log.offset == 0  # a trainer_state.json without stateful_callbacks: transformers < 4.41
    assert dict(log.facts) == {"max_steps": 5000, "global_step": 5000, "num_train_epochs": 39}
    best = report.best
    assert best.name == "skipped" and best.offset == 0 and best.residual == 0
    # The lag is 2 at step 25, 3 by step 125, 4 by step 375: the windows where the skips happened.
    assert best.causes[0].params["count"] == 4
    assert best.causes[0].params["windows"] == [{"first": 0, "last": 24, "count": 2},
                                                {"first": 100, "last": 124, "count": 1},
                                                {"first": 350, "last": 374, "count": 1}]
    assert report.notes == ()  # global_step == max_steps: the run finished


def test_llamafactory_log_follows_its_schedule_and_the_schedule_is_inferred():
    log, report = explained("llamafactory_trainer_log.jsonl", "llamafactory.yaml")
    assert log.kind == "llamafactory" and log.lr_field == "learning_rate" and len(log.steps) == 866
    assert report.best.name == "none" and report.best.residual == 0
    found = infer(log.steps, log.lrs, rounding=log.rounding, convention=log.offset, facts=log.facts)[0]
    assert found.spec == {"schedule": "transformers.cosine", "lr": 5e-05,
                          "args": {"num_warmup_steps": 866, "num_training_steps": 8660}}
    assert found.offset == 0 and found.residual == 0


def test_a_lagging_log_is_inferred_with_its_skipped_steps():
    log = read_log(str(PUBLIC / "whisper_fp16_trainer_state.json"))
    found = infer(log.steps, log.lrs, rounding=log.rounding, convention=log.offset, facts=log.facts)[0]
    assert found.spec == {"schedule": "transformers.linear", "lr": 1e-05,
                          "args": {"num_warmup_steps": 500, "num_training_steps": 5000}}
