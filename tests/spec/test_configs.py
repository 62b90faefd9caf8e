"""Training configs: what kind a file is, and the library spec each kind translates to.

The references are the libraries' own rules, restated here: transformers' ``get_warmup_steps`` and the
Trainer's epoch count, transformers' DeepSpeed integration (``fill_match``, the scheduler block
winning), timm ``train.py``'s loader and ``lr_base`` scaling, Megatron's samples.
"""

import json
import math
import pathlib

import numpy as np
import pytest
import yaml

import warmupctl
from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import KEYS
from warmupctl.spec import configs
from warmupctl.spec.configs import KINDS, config_kind, detect, translate
from warmupctl.spec.resolve import import_config, load_spec

SAMPLES = pathlib.Path(__file__).resolve().parents[2] / "sample_configs" / "configs"


def write(folder: pathlib.Path, name: str, data) -> str:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def trainer(tmp_path, **keys) -> tuple:
    """Translate and resolve Trainer arguments given as keywords: (translation, schedule)."""
    return import_config(write(tmp_path, "args.json", keys))


def error_of(call, *args, **kwargs) -> SpecError:
    with pytest.raises(SpecError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- what kind of file --------------------------------------------------------------------------


@pytest.mark.parametrize(("mapping", "kind"), [
    ({"lr_scheduler_type": "cosine", "learning_rate": 2e-5, "warmup_ratio": 0.1}, "transformers"),
    ({"output_dir": "out", "bf16": True, "gradient_accumulation_steps": 4}, "transformers"),
    ({"train_batch_size": 32, "scheduler": {"type": "WarmupLR"}}, "deepspeed"),
    ({"zero_optimization": {"stage": 2}, "bf16": {"enabled": "auto"}}, "deepspeed"),
    ({"sched": "cosine", "epochs": 300, "lr": 0.1, "warmup_epochs": 5}, "timm"),
    ({"--lr-decay-style": "cosine", "--train-iters": 1000, "lr": 1e-4}, "megatron"),
    # A Megatron dump has optimizer: adam and fp16: false, which are not DeepSpeed blocks.
    ({"lr_decay_style": "linear", "optimizer": "adam", "fp16": False, "bf16": True}, "megatron"),
    ({"kind": "cosine", "lr": 1e-3, "epochs": 3}, None),
])
def test_detect(mapping, kind):
    assert detect(mapping) == kind


def test_markers_are_never_native_keys_nor_shared():
    seen: set[str] = set()
    for kind in KINDS.values():
        assert not kind.markers & set(KEYS), kind.name
        assert not kind.markers & seen, kind.name
        seen |= kind.markers


def test_native_and_library_specs_are_not_configs():
    assert config_kind({"kind": "cosine", "warmup_stepz": 3}) is None  # native: did-you-mean there
    assert config_kind({"warmup_stepz": 3, "totl_steps": 9}) is None   # typos only: native too
    assert config_kind({"schedule": "transformers.cosine", "optimizer": {"type": "x"}}) is None


def test_unknown_kind_lists_the_kinds_it_knows():
    exc = error_of(config_kind, {"trainer": {"max_epochs": 3}, "model": "x"})
    assert "neither a warmupctl spec nor a training config" in exc.message
    assert exc.hint.endswith("training configs (docs/configs.md lists the formats)")
    assert KINDS


def test_two_kinds_in_one_file_is_an_error():
    exc = error_of(detect, {"lr_scheduler_type": "cosine", "train_micro_batch_size_per_gpu": 4})
    assert "looks like both" in exc.message


# --- transformers: N and W as the Trainer derives them ------------------------------------------


@pytest.mark.parametrize(("keys", "n", "w"), [
    ({"max_steps": 1000, "warmup_steps": 0.1}, 1000, 100),
    # 5.x: below 1 a ratio, math.ceil(N * w) in floats: 100 * 0.07 = 7.000000000000001 -> 8.
    ({"max_steps": 100, "warmup_steps": 0.07}, 100, 8),
    ({"max_steps": 100, "warmup_steps": 10.7}, 100, 10),   # int(): truncated
    ({"max_steps": 100, "warmup_steps": 1.0}, 100, 1),     # 1.0 is one update, not 100 %
    ({"max_steps": 100}, 100, 0),
    # 4.x: warmup_ratio unless warmup_steps > 0.
    ({"max_steps": 1000, "warmup_ratio": 0.03, "warmup_steps": 0, "library_version": {"transformers": "4.51.3"}}, 1000, 30),
    ({"max_steps": 1000, "warmup_ratio": 0.1, "warmup_steps": 5, "library_version": {"transformers": "4.51.3"}}, 1000, 5),
    # 5.0-5.14: a warmup_ratio overwrites warmup_steps.
    ({"max_steps": 1000, "warmup_ratio": 0.1, "warmup_steps": 5,
      "library_version": {"transformers": "5.14.0"}}, 1000, 100),
    # accelerate#963: 100 batches x 10 epochs / 4 = 250 updates; 10 % warmup = 25.
    ({"num_train_epochs": 10, "per_device_train_batch_size": 1, "gradient_accumulation_steps": 4,
      "dataset_size": 100, "warmup_steps": 0.1, "world_size": 1}, 250, 25),
    # 10 batches / 4: 5.x steps on the trailing window (3 per epoch), 4.x floors it (2 per epoch).
    ({"num_train_epochs": 3, "per_device_train_batch_size": 1, "gradient_accumulation_steps": 4,
      "dataset_size": 10, "world_size": 1}, 9, 0),
    ({"num_train_epochs": 3, "per_device_train_batch_size": 1, "gradient_accumulation_steps": 4,
      "num_examples": 10, "world_size": 1, "warmup_ratio": 0.0, "library_version": {"transformers": "4.51.3"}}, 6, 0),
    # ceil(1000 / (8 * 4)) = 32 batches per process, / 2 = 16 updates per epoch.
    ({"num_train_epochs": 2, "per_device_train_batch_size": 8, "gradient_accumulation_steps": 2,
      "dataset_size": 1000, "world_size": 4}, 32, 0),
    # drop_last: floor(1000 / 32) = 31 micro-batches per process instead of 32.
    ({"num_train_epochs": 2, "per_device_train_batch_size": 8, "dataset_size": 1000, "n_gpu": 4,
      "dataloader_drop_last": True}, 62, 0),
    ({"num_train_epochs": 0.5, "per_device_train_batch_size": 1, "dataset_size": 9, "world_size": 1}, 5, 0),
    ({"max_steps": 40, "num_train_epochs": 99, "dataset_size": 1000}, 40, 0),  # max_steps wins
])
def test_trainer_steps(tmp_path, keys, n, w):
    translation, _ = trainer(tmp_path, lr_scheduler_type="linear", learning_rate=1e-3, **keys)
    assert translation.spec["args"] == {"num_warmup_steps": w, "num_training_steps": n}


def test_float_rounding_and_precedence_are_reported(tmp_path):
    translation, _ = trainer(tmp_path, lr_scheduler_type="linear", max_steps=100, warmup_steps=0.07)
    assert any("7.000000000000001" in note and "one more" in note for note in translation.notes)
    translation, _ = trainer(tmp_path, lr_scheduler_type="linear", max_steps=100, warmup_steps=5,
                             warmup_ratio=0.5, library_version="transformers=4.57.6")
    assert any("warmup_steps 5 wins over warmup_ratio 0.5" in note for note in translation.notes)
    translation, _ = trainer(tmp_path, lr_scheduler_type="linear", max_steps=100, warmup_steps=1.0)
    assert any("not 100 %" in note for note in translation.notes)


def test_defaults_are_the_training_arguments_defaults(tmp_path):
    translation, schedule = trainer(tmp_path, max_steps=10)
    assert translation.spec == {"schedule": "transformers.linear", "lr": 5e-5,
                                "args": {"num_warmup_steps": 0, "num_training_steps": 10}}
    assert schedule(0) == 5e-5


def test_sample_trainer_args_equal_transformers_update_by_update():
    schedule = warmupctl.load(str(SAMPLES / "trainer_args.yaml"))
    w, n, lr, rate = 37, 1221, 2e-5, 0.1   # 407 updates per epoch x 3; ceil(0.03 x 1221)

    def reference(t: int) -> float:   # get_cosine_with_min_lr_schedule_with_warmup's lambda
        if t < w:
            return lr * (float(t) / float(max(1, w)))
        progress = float(t - w) / float(max(1, n - w))
        factor = 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress))
        return lr * max(0, factor * (1 - rate) + rate)

    assert schedule.total_steps == n
    expected = np.array([reference(t) for t in range(n)])
    np.testing.assert_allclose(schedule.values(), expected, rtol=1e-12, atol=1e-12 * lr)


def test_v4_sample_floors_the_trailing_window():
    translation, schedule = import_config(str(SAMPLES / "trainer_args_v4.json"))
    # 3251 micro-batches per process // 8 = 406 updates per epoch (4.x), x 3; ceil(1218 x 0.03) = 37.
    assert translation.spec["args"] == {"num_warmup_steps": 37, "num_training_steps": 1218}
    assert schedule.notes[1] == f"counted as transformers 4.46.0 (library_version in {translation.source})"
    assert schedule.notes[2] == (
        "other transformers releases differ: 4.52-4.57 gives num_training_steps 1221, num_warmup_steps 37; "
        "5.0-5.14 gives num_training_steps 1221, num_warmup_steps 37; ≥ 5.15 refuses it (warmup_ratio: "
        "transformers 5.15 and later have no warmup_ratio (TrainingArguments raises TypeError))")


def test_lr_scheduler_kwargs(tmp_path):
    translation, schedule = trainer(tmp_path, lr_scheduler_type="cosine", max_steps=10,
                                    lr_scheduler_kwargs='{"num_cycles": 1.0}')  # the CLI's JSON string
    assert translation.spec["args"]["num_cycles"] == 1.0
    # A full wave: down to 0 half-way, back at the peak at the end.
    assert schedule(0) == schedule(10) == 5e-5 and schedule(5) == 0.0
    # get_scheduler passes no kwargs to inverse_sqrt: a timescale there is silently dropped.
    translation, _ = trainer(tmp_path, lr_scheduler_type="inverse_sqrt", max_steps=10,
                             warmup_steps=2, lr_scheduler_kwargs={"timescale": 7})
    assert "timescale" not in translation.spec["args"]
    assert any("are not used" in note for note in translation.notes)


def test_constant_ignores_the_warmup_and_says_so(tmp_path):
    _, schedule = trainer(tmp_path, lr_scheduler_type="constant", max_steps=10, warmup_steps=3)
    assert schedule.values().tolist() == [5e-5] * 10
    assert any("num_warmup_steps 3 is ignored" in note for note in schedule.notes)


@pytest.mark.parametrize(("keys", "path", "words"), [
    ({"lr_scheduler_type": "cosine"}, "max_steps", "max_steps is -1 and no dataset size"),
    ({"max_steps": 0, "num_train_epochs": 3}, "max_steps", "max_steps is 0 and no dataset size"),
    ({"max_steps": 10, "lr_scheduler_type": "cosin"}, "lr_scheduler_type", "unknown lr_scheduler_type"),
    ({"max_steps": 10, "lr_scheduler_type": "reduce_lr_on_plateau"}, "lr_scheduler_type",
     "follows the evaluation metric"),
    ({"max_steps": 10, "warmup_steps": -1}, "warmup_steps", "ValueError"),
    ({"max_steps": 10, "warmup_ratio": 1.5, "library_version": "transformers=4.40.0"}, "warmup_ratio",
     "range [0,1]"),
    ({"max_steps": 10, "warmup_ratio": 0.1}, "warmup_ratio", "5.15 and later have no warmup_ratio"),
    ({"max_steps": 10, "warmup_steps": 0.1, "library_version": "transformers=4.51.3"}, "warmup_steps",
     "as a count of updates"),
    ({"max_steps": 10, "library_version": "transformers=latest"}, "library_version", "not a version"),
    ({"max_steps": 10, "lr_scheduler_kwargs": {"num_warmup_steps": 3}},
     "lr_scheduler_kwargs.num_warmup_steps", "TypeError"),
    ({"max_steps": 10, "lr_scheduler_kwargs": "{not json"}, "lr_scheduler_kwargs", "not JSON"),
    ({"max_steps": 10, "lr_scheduler_kwargs": {"eta_min": 1e-6}}, "lr_scheduler_kwargs.eta_min",
     "unknown argument"),
    ({"max_steps": 10, "lr_scheduler_type": "cosine_with_min_lr"}, "lr_scheduler_kwargs.min_lr",
     "needs min_lr or min_lr_rate"),
    ({"max_steps": 10, "lr_scheduler_type": "polynomial", "learning_rate": 1e-8},
     "lr_scheduler_kwargs.lr_end", "lr_end must be smaller"),
    ({"num_train_epochs": 1, "dataset_size": 8, "world_size": 2, "n_gpu": 4}, "n_gpu", "disagrees"),
    ({"num_train_epochs": 0, "dataset_size": 8}, "num_train_epochs", "must be positive"),
])
def test_trainer_errors_name_the_config_key(tmp_path, keys, path, words):
    exc = error_of(trainer, tmp_path, **keys)
    assert exc.source.endswith("args.json")
    assert exc.path == path
    assert words in str(exc)


def test_missing_length_says_what_to_add(tmp_path):
    exc = error_of(trainer, tmp_path, lr_scheduler_type="cosine")
    assert str(exc).startswith(f"{tmp_path / 'args.json'}: max_steps: max_steps is -1 and no dataset size; "
                               "add max_steps or dataset_size")


def test_flags_give_the_missing_facts_and_act_on_the_spec(tmp_path):
    path = write(tmp_path, "args.json", {"num_train_epochs": 10, "per_device_train_batch_size": 1,
                                         "gradient_accumulation_steps": 4, "warmup_steps": 0.1})
    exc = error_of(load_spec, path, {"dataset_size": "100"})
    assert (exc.path, exc.hint) == ("num_train_epochs", "pass --devices N (the processes training together; "
                                                        "1 for one GPU) or add world_size")
    schedule = load_spec(path, {"dataset_size": "100", "devices": "1", "lr": "1e-3", "name": "run"})
    assert (schedule.total_steps, schedule.warmup_steps, schedule.label) == (250, 25, "run")
    assert schedule(25) == 1e-3
    assert load_spec(path, {"dataset_size": "100", "devices": "2"}).total_steps == 130  # 50 -> 13/epoch
    assert load_spec(path, {"dataset_size": "100", "devices": "1", "warmup_steps": "10"}).warmup_steps == 10
    exc = error_of(load_spec, path, {"kind": "cosine"})
    assert (exc.source, exc.path) == ("command line", "--kind")
    # --total-steps is the Trainer's max_steps: the warmup ratio is taken of it, and the notes say so.
    schedule = load_spec(path, {"total_steps": "40"})
    assert (schedule.total_steps, schedule.warmup_steps) == (40, 4)
    assert any(note.startswith("--total-steps 40 sets max_steps (was -1)") for note in schedule.notes)
    exc = error_of(load_spec, path, {"dataset_size": "many"})
    assert (exc.source, exc.path) == ("command line", "--dataset-size")


# --- DeepSpeed with the Trainer --------------------------------------------------------------------


def deepspeed_update(k: int, low: float, high: float, w: int, t: int) -> float:
    """DeepSpeed's WarmupDecayLR (linear warmup) as its engine runs it: update k sees iteration k - 1."""
    if k == 0:
        return low
    i = k - 1
    gamma = i / w if i < w else max(0.0, (t - i) / max(1.0, t - w))
    return low + (high - low) * gamma


def test_warmupdecay_block_overrides_a_cosine_trainer_and_is_reported():
    translation, schedule = import_config(str(SAMPLES / "trainer_args_deepspeed.yaml"))
    assert translation.spec == {
        "schedule": "deepspeed.WarmupDecayLR", "lr": 3e-5,
        "args": {"warmup_min_lr": 0, "warmup_max_lr": 3e-5, "warmup_num_steps": 100,
                 "total_num_steps": 1000, "warmup_type": "linear"},
    }
    expected = [deepspeed_update(k, 0.0, 3e-5, 100, 1000) for k in range(1000)]
    np.testing.assert_allclose(schedule.values(), expected, rtol=1e-12, atol=1e-20)
    assert schedule.label == "deepspeed.WarmupDecayLR"
    assert any("DeepSpeed's scheduler block (WarmupDecayLR) replaces the Trainer's lr_scheduler_type "
               "cosine" in note for note in schedule.notes)


def test_deepspeed_option_and_inline_mapping(tmp_path):
    ds = write(tmp_path, "ds.json", {"scheduler": {"type": "WarmupLR", "params": {
        "warmup_min_lr": "auto", "warmup_max_lr": "auto", "warmup_num_steps": "auto",
        "warmup_type": "linear"}}})
    args = {"lr_scheduler_type": "cosine", "learning_rate": 1e-3, "max_steps": 50, "warmup_steps": 10}
    translation, schedule = import_config(write(tmp_path, "a.json", args), deepspeed=ds)
    # WarmupLR has no end: the run's length is the Trainer's num_training_steps.
    assert translation.spec["total_steps"] == 50 and schedule.total_steps == 50
    assert translation.spec["args"]["warmup_num_steps"] == 10
    inline = {**args, "deepspeed": json.loads(pathlib.Path(ds).read_text())}
    other, _ = import_config(write(tmp_path, "b.json", inline))
    assert other.spec == translation.spec


def test_deepspeed_file_is_relative_to_the_arguments(tmp_path, monkeypatch):
    folder = tmp_path / "run"
    folder.mkdir()
    write(folder, "ds.json", {"scheduler": {"type": "WarmupDecayLR", "params": {
        "total_num_steps": "auto", "warmup_num_steps": 5, "warmup_max_lr": "auto"}}})
    path = write(folder, "args.yaml", "lr_scheduler_type: linear\nmax_steps: 20\nwarmup_steps: 5\n"
                                      "deepspeed: ds.json\n")
    monkeypatch.chdir(tmp_path)
    assert load_spec(path).label == "deepspeed.WarmupDecayLR"
    missing = write(folder, "bad.yaml", "max_steps: 20\ndeepspeed: nowhere.json\n")
    exc = error_of(load_spec, missing)
    assert (exc.path, exc.value) == ("deepspeed", "nowhere.json")


@pytest.mark.parametrize(("ds", "path", "words"), [
    ({"scheduler": {"type": "WarmupDecayLR", "params": {"total_num_steps": 200}}},
     "scheduler.params.total_num_steps", "num_training_steps (calculated) 100"),
    ({"scheduler": {"type": "WarmupDecayLR", "params": {"total_num_steps": 100, "warmup_num_steps": 3}}},
     "scheduler.params.warmup_num_steps", "does not match"),
    ({"optimizer": {"type": "AdamW", "params": {"lr": 3e-4}}}, "optimizer.params.lr",
     "learning_rate 0.0001"),
    ({"gradient_accumulation_steps": 4}, "gradient_accumulation_steps", "does not match"),
    ({"train_batch_size": 12}, "train_batch_size", "not a multiple"),
    ({"scheduler": {"type": "WarmupCosineLR", "params": {"total_num_steps": "auto",
                                                         "cos_min_ratio": "auto"}}},
     "scheduler.params.cos_min_ratio", '"auto" with nothing to fill it from'),
    ({"scheduler": {"type": "WarmupCosine", "params": {}}}, "scheduler.type", "did you mean"),
    ({"optimizer": {"type": "AdamW", "params": {}}}, "optimizer.params", "no lr"),
])
def test_deepspeed_disagreements_are_transformers_errors(tmp_path, ds, path, words):
    ds_path = write(tmp_path, "ds.json", ds)
    args = write(tmp_path, "a.json", {"learning_rate": 1e-4, "max_steps": 100,
                                      "per_device_train_batch_size": 8})
    exc = error_of(import_config, args, deepspeed=ds_path)
    assert (exc.source, exc.path) == (ds_path, path)
    assert words in str(exc)


def test_world_size_comes_from_train_batch_size(tmp_path):
    ds = write(tmp_path, "ds.json", {"train_batch_size": 64, "train_micro_batch_size_per_gpu": "auto"})
    args = write(tmp_path, "a.json", {"num_train_epochs": 1, "dataset_size": 640,
                                      "per_device_train_batch_size": 8, "gradient_accumulation_steps": 2})
    translation, _ = import_config(args, deepspeed=ds)
    # 64 / (8 x 2) = 4 processes: ceil(640 / 32) = 20 batches each, / 2 = 10 updates.
    assert translation.spec["args"]["num_training_steps"] == 10
    assert any("world_size 4" in note for note in translation.notes)


def test_errors_of_filled_values_point_at_the_deepspeed_key(tmp_path):
    ds = write(tmp_path, "ds.json", {"scheduler": {"type": "WarmupDecayLR", "params": {
        "total_num_steps": "auto", "warmup_num_steps": "auto"}}})
    args = write(tmp_path, "a.json", {"max_steps": 100})   # warmup 0: DeepSpeed refuses it
    exc = error_of(import_config, args, deepspeed=ds)
    assert (exc.source, exc.path) == (ds, "scheduler.params.warmup_num_steps")
    assert "filled with the Trainer's" in exc.hint


# --- DeepSpeed alone ----------------------------------------------------------------------------------


def test_deepspeed_alone_with_numbers(tmp_path):
    path = write(tmp_path, "ds.json", {
        "optimizer": {"type": "AdamW", "params": {"lr": 1e-3}},
        "scheduler": {"type": "WarmupCosineLR", "params": {
            "total_num_steps": 100, "warmup_num_steps": 10, "warmup_type": "linear",
            "cos_min_ratio": 0.0}}})
    reference = warmupctl.load(str(SAMPLES.parent / "libraries" / "deepspeed_cosine.yaml"))
    schedule = load_spec(path)
    np.testing.assert_array_equal(schedule.values(), reference.values())


@pytest.mark.parametrize(("ds", "path", "words"), [
    ({"scheduler": {"type": "WarmupDecayLR", "params": {"total_num_steps": "auto"}}},
     "scheduler.params.total_num_steps", "--deepspeed"),
    ({"optimizer": {"params": {"lr": "auto"}},
      "scheduler": {"type": "WarmupCosineLR", "params": {"total_num_steps": 10}}},
     "optimizer.params.lr", '"auto" with nothing to fill it from'),
    ({"zero_optimization": {"stage": 2}}, "scheduler", "no scheduler block"),
    ({"scheduler": {"type": "WarmupCosineLR", "params": {"total_num_steps": 10}}},
     "optimizer.params.lr", "no optimizer block"),
    ({"scheduler": {"type": "WarmupLR", "params": {"warmup_max_lr": 1e-3}}}, "scheduler",
     "--total-steps"),
])
def test_deepspeed_alone_errors(tmp_path, ds, path, words):
    file = write(tmp_path, "ds.json", ds)
    exc = error_of(load_spec, file)
    assert (exc.source, exc.path) == (file, path)
    assert words in str(exc)


def test_deepspeed_alone_takes_its_length_from_a_flag(tmp_path):
    file = write(tmp_path, "ds.json", {"scheduler": {"type": "WarmupLR", "params": {
        "warmup_max_lr": 1e-3, "warmup_num_steps": 4, "warmup_type": "linear"}}})
    schedule = load_spec(file, {"total_steps": "8"})
    assert schedule.values().tolist() == pytest.approx([0, 0, 2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3])
    exc = error_of(load_spec, file, {"dataset_size": "10"})
    assert (exc.source, exc.path) == ("command line", "--dataset-size")


# --- timm ---------------------------------------------------------------------------------------------


def test_timm_sample_is_train_py():
    translation, schedule = import_config(str(SAMPLES / "timm_args.yaml"))
    spec = translation.spec
    assert spec["lr"] == pytest.approx(1e-3)     # lr_base 5e-4 x (128 x 8 x 1) / 512
    args = spec["args"]
    assert (args["updates_per_epoch"], args["step_on_epochs"], args["num_epochs"]) == (1251, False, 300)
    upe, lr, low, floor = 1251, 1e-3, 1e-6, 1e-5
    warmup, t_initial = 5 * upe, 300 * upe

    def reference(t: int) -> float:   # CosineLRScheduler, warmup_prefix False, per update, cycle_limit 1
        if t == 0:
            return low
        if t < warmup:
            return low + t * (lr - low) / warmup
        if t >= t_initial:
            return floor
        return floor + 0.5 * (lr - floor) * (1 + math.cos(math.pi * t / t_initial))

    # create_scheduler_v2 returns (cycle + cooldown) // upe = 310 epochs.
    assert schedule.total_steps == 310 * upe
    steps = [0, 1, 2, 6254, 6255, 100_000, 375_299, 375_300, 387_809]
    np.testing.assert_allclose(schedule(steps), [reference(t) for t in steps], rtol=1e-12)


def test_timm_lr_base_scaling_and_defaults(tmp_path):
    path = write(tmp_path, "args.yaml", "sched: cosine\nopt: adamw\nbatch_size: 64\nepochs: 10\n"
                                        "dataset_size: 6400\n")
    translation, _ = import_config(path)
    # train.py: lr unset, 'ada' in the optimizer -> sqrt scaling: 0.1 x sqrt(64 / 256).
    assert translation.spec["lr"] == pytest.approx(0.05)
    args = translation.spec["args"]
    assert (args["warmup_epochs"], args["warmup_lr"], args["cycle_decay"]) == (5, 1e-5, 0.5)
    assert args["updates_per_epoch"] == 100 and args["step_on_epochs"] is True


@pytest.mark.parametrize(("keys", "world", "upe"), [
    ({"batch_size": 128, "dataset_size": 1000}, None, 7),          # floor(1000 / 128)
    ({"batch_size": 10, "dataset_size": 1000, "world_size": 3}, 3, 33),   # floor(ceil(1000 / 3) / 10)
    ({"batch_size": 10, "dataset_size": 1000, "grad_accum_steps": 4}, None, 25),
    ({"batch_size": 10, "dataset_size": 1010, "grad_accum_steps": 4}, None, 26),  # 101 / 4 rounded up
])
def test_timm_updates_per_epoch(tmp_path, keys, world, upe):
    path = write(tmp_path, "args.json", {"sched": "step", "lr": 0.1, **keys})
    translation, _ = import_config(path)
    assert translation.spec["args"]["updates_per_epoch"] == upe


def test_timm_errors(tmp_path):
    exc = error_of(import_config, write(tmp_path, "a.yaml", "sched: cosine\nlr: 0.1\n"))
    assert exc.path == "dataset_size" and "--dataset-size" in exc.hint
    schedule = load_spec(write(tmp_path, "b.yaml", "sched: cosine\nlr: 0.1\nepochs: 2\n"),
                         {"dataset_size": "1280"})
    assert schedule.total_steps == 20
    exc = error_of(load_spec, write(tmp_path, "c.yaml", "sched: plateau\nlr: 0.1\ndataset_size: 1000\n"))
    assert (exc.path, exc.value) == ("sched", "plateau")
    exc = error_of(load_spec, write(tmp_path, "d.yaml", "sched: cosine\nlr: 0.1\nlr_noise: [0.4, 0.9]\n"
                                                        "dataset_size: 1000\n"))
    assert exc.path == "lr_noise"


# --- Megatron -----------------------------------------------------------------------------------------


def test_megatron_sample():
    translation, schedule = import_config(str(SAMPLES / "megatron_args.yaml"))
    assert translation.spec["global_batch_size"] == 8
    peak, floor, w, d = 1.5e-4, 1e-5, 3200, 320_000   # warmup 0.01 x 320000 x 8 samples = 3200 updates

    def reference(k: int) -> float:
        if k <= w:
            return peak * k / w
        if k > d:
            return floor
        r = (k - w) / (d - w)
        return floor + 0.5 * (math.cos(math.pi * r) + 1) * (peak - floor)

    steps = [0, 1, 1600, 3199, 3200, 3201, 100_000, 319_999, 320_000, 320_001, 499_999]
    np.testing.assert_allclose(schedule(steps), [reference(k) for k in steps], rtol=1e-12, atol=1e-20)
    assert schedule.total_steps == 500_000


def test_megatron_spellings_and_errors(tmp_path):
    dashed = write(tmp_path, "a.yaml", "--lr: 1e-3\n--train-iters: 100\n--lr-warmup-iters: 10\n")
    under = write(tmp_path, "b.yaml", "lr: 1e-3\ntrain_iters: 100\nlr_warmup_iters: 10\n")
    np.testing.assert_array_equal(load_spec(dashed).values(), load_spec(under).values())
    exc = error_of(load_spec, write(tmp_path, "c.yaml", "lr: 1e-3\nlr-decay-style: cosine\n"
                                                        "lr_decay_style: linear\ntrain_iters: 10\n"))
    assert exc.path == "lr_decay_style" and "same argument" in exc.message
    exc = error_of(load_spec, write(tmp_path, "d.yaml", "lr: 1e-3\ntrain_samples: 1000\n"
                                                        "lr_decay_style: cosine\n"))
    assert exc.path == "global_batch_size"
    exc = error_of(load_spec, write(tmp_path, "e.yaml", "train-iters: 100\nlr-decay-style: cosine\n"))
    assert exc.path == "lr"
    exc = error_of(load_spec, write(tmp_path, "f.yaml", "lr: 1e-3\nlr-decay-style: cosine\n"))
    assert exc.path == "train_iters" and "train_iters or train_samples" in exc.message
    translation, _ = import_config(write(tmp_path, "g.yaml", "lr: 1e-3\ntrain_samples: 1000\n"
                                                             "micro_batch_size: 2\ndata_parallel_size: 5\n"))
    assert translation.spec["global_batch_size"] == 10


# --- every sample ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SAMPLES.iterdir()), ids=lambda p: p.name)
def test_samples_translate_and_round_trip(path):
    if path.suffix == ".yaml":
        assert path.read_text().lstrip().startswith("#")
    if path.name.startswith("deepspeed_"):
        # Their "auto" values need the Trainer arguments that use them.
        exc = error_of(load_spec, str(path))
        assert '"auto" with nothing to fill it from' in exc.message
        return
    translation, schedule = import_config(str(path))
    assert np.all(np.isfinite(schedule.values()))
    again = yaml.safe_load(translation.text("yaml"))
    assert again == json.loads(translation.text("json")) == dict(translation.spec)
    np.testing.assert_array_equal(warmupctl.from_mapping(again).values(), schedule.values())


def test_translate_refuses_what_is_not_a_config():
    exc = error_of(translate, {"kind": "cosine"}, source="x.yaml")
    assert "is a warmupctl spec" in exc.message
    exc = error_of(translate, {"sched": "cosine"}, source="x.yaml", deepspeed="ds.json")
    assert exc.path == "--deepspeed"
    assert configs.normalized("--lr-warmup-fraction") == "lr_warmup_fraction"
