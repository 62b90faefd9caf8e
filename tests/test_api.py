"""The Python API: floats for scalars, a real signature for schedule(), errors in Python's words."""

import inspect
import json
import typing

import numpy as np
import pytest

import warmupctl
from warmupctl import api
from warmupctl.core import vocabulary
from warmupctl.core.errors import SpecError


def test_scalars_in_floats_out():
    s = warmupctl.schedule(kind="linear", warmup_steps=2, total_steps=4, lr=1.0)
    assert type(s(1)) is float and s(1) == 0.5
    assert type(s(np.int32(1))) is float
    assert json.dumps({"lr": s(5)}) == '{"lr": 0.0}'


def test_arrays_in_arrays_out():
    s = warmupctl.schedule(kind="linear", warmup_steps=2, total_steps=4, lr=1.0)
    assert s([0, 1, 2]).tolist() == [0.0, 0.5, 1.0]
    assert s(np.array([[1], [2]])).shape == (2, 1)
    assert isinstance(s(np.array(1)), np.ndarray)


def test_signature_is_the_vocabulary():
    parameters = inspect.signature(warmupctl.schedule).parameters
    assert list(parameters) == ["preset", *vocabulary.KEYS]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is None for p in parameters.values())


@pytest.mark.parametrize(("key", "choices"), [
    ("kind", [*vocabulary.KINDS, *vocabulary.KIND_ALIASES]),
    ("warmup_shape", list(vocabulary.WARMUP_SHAPES)),
    ("decay_shape", list(vocabulary.DECAY_SHAPES)),
    ("loop", list(vocabulary.LOOPS)),
])
def test_literal_choices_are_the_vocabulary(key, choices):
    hints = typing.get_type_hints(api.schedule)
    literal = next(arg for arg in typing.get_args(hints[key]) if typing.get_origin(arg) is typing.Literal)
    assert sorted(typing.get_args(literal)) == sorted(choices)


def test_help_lists_every_keyword():
    doc = warmupctl.schedule.__doc__
    for key in vocabulary.KEYS.values():
        assert f"        {key.name}: {key.help}." in doc
    assert "Default: 'cosine'." in doc and "preset:" in doc


def test_every_keyword_is_taken():
    s = warmupctl.schedule(kind="wsd", lr=1e-3, total_steps=100, warmup_steps=10, decay_steps=20,
                           decay_shape="linear", min_lr=1e-5, name="mine")
    assert s.label == "mine" and s(99) == pytest.approx(1e-3 - (1e-3 - 1e-5) * 19 / 20)


@pytest.mark.parametrize(("keys", "message"), [
    ({"warmup_steps": -5}, "warmupctl.schedule(): warmup_steps: must not be negative (got -5)"),
    ({"kind": "cosin"}, "warmupctl.schedule(): kind: unknown kind (got 'cosin'); did you mean 'cosine'?"),
    ({"epochs": 3}, "warmupctl.schedule(): epochs: epochs needs dataset_size; add dataset_size (samples "
                    "in one epoch)"),
    ({"phases": [{"steps": 5, "shape": "linar"}]},
     "warmupctl.schedule(): phases[0].shape: unknown value (got 'linar'); did you mean 'linear'?"),
])
def test_errors_name_the_keyword_argument(keys, message):
    with pytest.raises(SpecError) as info:
        warmupctl.schedule(**keys)
    assert str(info.value) == message
    assert "--" not in str(info.value)


def test_a_misspelt_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'warmup_step'"):
        warmupctl.schedule(warmup_step=3)


def test_load_overrides_are_keywords_too():
    with pytest.raises(SpecError) as info:
        warmupctl.load("sample_configs/wsd.yaml", warmup_step=3)
    assert str(info.value) == ("warmupctl.load(): warmup_step: unknown key (got 'warmup_step'); "
                               "did you mean 'warmup_steps'?")
    with pytest.raises(SpecError) as info:
        warmupctl.load("sample_configs/configs/trainer_args.yaml", min_lr=1e-5)
    assert str(info.value).startswith("warmupctl.load(): min_lr: does not apply to a training config "
                                      "(got 1e-05); change the config itself; lr, total_steps, ")
    with pytest.raises(SpecError) as info:
        warmupctl.load("sample_configs/configs/trainer_args.yaml", lr=-1)
    assert str(info.value) == "warmupctl.load(): lr: must not be negative (got -1)"


def test_file_errors_keep_the_file():
    with pytest.raises(SpecError) as info:
        warmupctl.load("no/such/spec.yaml")
    assert str(info.value).startswith("no/such/spec.yaml: ")


def test_as_schedule():
    s = warmupctl.schedule()
    assert api.as_schedule(s) is s
    assert api.as_schedule({"kind": "constant"}).label.startswith("constant")
    with pytest.raises(TypeError, match="expected a Schedule, a spec mapping or a file's path, not int"):
        api.as_schedule(3)
