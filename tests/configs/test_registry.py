"""The registry of config formats: a file is claimed on evidence of a format's own keys, never by default."""

import json

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import KEYS
from warmupctl.spec.configs import FORMATS, claims, config_kind, detect


def error_of(call, *args) -> SpecError:
    with pytest.raises(SpecError) as caught:
        call(*args)
    return caught.value


def test_every_format_claims_only_on_its_own_keys():
    for fmt in FORMATS.values():
        assert not fmt.markers & set(KEYS), fmt.name
        assert fmt.claim({}) is None, fmt.name
        assert fmt.claim({"kind": "cosine", "lr": 1e-3, "total_steps": 100}) is None, fmt.name


def test_a_mix_of_native_keys_and_trainer_keys_is_refused():
    # The example: kind and lr were dropped in silence and 5e-5 used.
    exc = error_of(config_kind, {"kind": "cosine", "lr": 3e-4, "max_steps": 1000, "warmup_steps": 100})
    assert exc.message == ("mixes warmupctl's own keys (kind, lr) with a transformers TrainingArguments "
                           "(max_steps)")
    assert exc.path == "kind"
    assert "keep one vocabulary per file" in exc.hint


def test_keys_a_trainer_shares_with_the_native_vocabulary_are_not_a_mix():
    assert config_kind({"max_steps": 1000, "warmup_steps": 100, "learning_rate": 1e-4}) == "transformers"
    assert config_kind({"sched": "cosine", "lr": 0.1, "epochs": 10}) == "timm"


def test_a_training_log_is_refused_with_the_flag_that_reads_it():
    state = {"global_step": 10, "log_history": [{"step": 5, "learning_rate": 1e-4}], "max_steps": 10}
    exc = error_of(config_kind, state)
    assert exc.message == "this is a training log: use --actual"
    assert exc.path == "log_history"


def test_two_unrelated_claims_name_both_and_their_evidence():
    exc = error_of(detect, {"lr_scheduler_type": "cosine", "train_micro_batch_size_per_gpu": 4})
    assert exc.message == ("looks like both a transformers TrainingArguments (lr_scheduler_type) and a "
                           "DeepSpeed config (train_micro_batch_size_per_gpu)")


def test_claims_report_the_keys_that_made_them():
    assert claims({"--lr-decay-style": "cosine", "--train-iters": 5}) == {
        "megatron": "--lr-decay-style, --train-iters"}


def test_the_log_refusal_reaches_the_command_line(cli, tmp_path):
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps({"log_history": [], "global_step": 0}))
    result = cli("table", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {path}: log_history: this is a training log: use --actual; a trainer_state.json holds "
        "the LR a run logged, not its schedule: warmupctl table SPEC --actual trainer_state.json overlays it")
