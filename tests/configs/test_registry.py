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
        f"error: {path}: this is a training log: use --actual; it is a transformers trainer_state.json, "
        "the LR a run logged, not its schedule: 'warmupctl plot SPEC --actual trainer_state.json' "
        "overlays it, 'warmupctl explain trainer_state.json' says why it differs from the plan")


# --- versions are facts ------------------------------------------------------------------------------


def _args(tmp_path, **keys) -> str:
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"per_device_train_batch_size": 1, "gradient_accumulation_steps": 4,
                                "dataset_size": 10, "num_train_epochs": 3, "world_size": 1, **keys}))
    return str(path)


@pytest.mark.parametrize(("version", "total"), [
    # 10 micro-batches ÷ 4: floor 2 per epoch up to 4.51.3, ceil 3 from 4.52.0 (PR #37923).
    ("4.51.3", 6), ("4.52.0", 9), ("4.57.6", 9), ("5.25.0", 9),
])
def test_the_version_decides_the_epoch_count(tmp_path, version, total):
    from warmupctl.spec.resolve import import_config

    translation, schedule = import_config(_args(tmp_path), library_version=[f"transformers={version}"])
    assert schedule.total_steps == total
    assert translation.notes[1] == f"counted as transformers {version} (--library-version)"


def test_the_installed_version_is_read_from_metadata(tmp_path, monkeypatch):
    from warmupctl.spec.configs import _versions
    from warmupctl.spec.resolve import import_config

    monkeypatch.setattr(_versions, "installed", lambda library: "4.50.0")
    translation, schedule = import_config(_args(tmp_path))
    assert (schedule.total_steps, translation.notes[1]) == (6, "counted as transformers 4.50.0 (installed here)")
    assert translation.notes[2] == ("other transformers releases differ: 4.52-4.57 gives num_training_steps 9, "
                                    "num_warmup_steps 0; 5.0-5.14 gives num_training_steps 9, num_warmup_steps 0; "
                                    "≥ 5.15 gives num_training_steps 9, num_warmup_steps 0")
    monkeypatch.setattr(_versions, "installed", lambda library: None)
    translation, _ = import_config(_args(tmp_path))
    assert translation.notes[1].startswith(f"counted as transformers {_versions.CURRENT['transformers']} "
                                           "(the current release")


def test_a_warmup_ratio_is_never_read_as_a_version(tmp_path):
    from warmupctl.spec.resolve import import_config

    exc = error_of(import_config, _args(tmp_path, warmup_ratio=0.1, library_version="transformers=5.15.0"))
    assert (exc.path, exc.message) == (
        "warmup_ratio", "transformers 5.15 and later have no warmup_ratio (TrainingArguments raises TypeError)")


def test_a_bad_library_version_flag_is_one_line(cli, tmp_path):
    result = cli("table", _args(tmp_path), "--library-version", "transformers")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("error: command line: --library-version: not NAME=VERSION "
                                     "(got 'transformers'); e.g. transformers=4.51.3")


@pytest.mark.parametrize("pairs,line", [
    (["transformer=4.51.3"], "error: command line: --library-version: no reader depends on this library's "
                             "version (got 'transformer'); did you mean 'transformers'?"),
    (["transformers=4.51.3", "transformers=5.0"],
     "error: command line: --library-version: transformers is given twice (4.51.3 and 5.0) "
     "(got 'transformers=5.0'); keep one version per library"),
])
def test_a_misspelt_or_repeated_library_version_is_refused(cli, tmp_path, pairs, line):
    # Ignoring either would count the run under another release than the user named.
    words = [word for pair in pairs for word in ("--library-version", pair)]
    result = cli("table", _args(tmp_path), *words)
    assert result.exit_code == 2
    assert result.stderr.strip() == line


def test_deepspeed_auto_is_filled_from_flags(cli):
    import pathlib

    sample = pathlib.Path(__file__).resolve().parents[2] / "sample_configs" / "configs" / "deepspeed_auto.json"
    result = cli("table", str(sample), "--lr", "1e-3", "--total-steps", "100", "--warmup-steps", "10",
                 "--at", "0,10,99", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert ('note: "auto" filled from the command line: total_num_steps 100 (--total-steps), '
            "warmup_num_steps 10 (--warmup-steps)") in result.stderr


def test_dataset_mixer_beside_trainer_only_keys_is_an_alignment_handbook_recipe_not_open_instruct():
    # alignment-handbook's DataArguments had dataset_mixer too; eval_strategy/dataset_splits are not
    # open-instruct arguments (finetune.py, dpo_tune_cache.py at e6c3044a), so TRL's Trainer runs it.
    recipe = {"dataset_mixer": {"d": 1.0}, "dataset_splits": ["train_prefs"], "eval_strategy": "steps",
              "learning_rate": 5e-6, "per_device_train_batch_size": 4, "output_dir": "o"}
    assert config_kind(recipe) == "transformers"
    assert config_kind({"dataset_mixer": {"d": 1.0}, "learning_rate": 5e-6}) == "open_instruct"
