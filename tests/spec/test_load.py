"""Spec files: YAML and JSON, PyYAML's gotchas, and every malformed file gets one line."""

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec import load_spec


def write(tmp_path, text: str | bytes, name: str = "spec.yaml") -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def test_yaml_reads_1e_3_as_a_number(tmp_path):
    schedule = load_spec(write(tmp_path, "lr: 1e-3\nmin_lr: 1e-5\ntotal_steps: 10_000\n"))
    assert schedule.spec["lr"] == 1e-3 and schedule.spec["min_lr"] == 1e-5
    assert schedule.total_steps == 10000


def test_json_spec(tmp_path):
    schedule = load_spec(write(tmp_path, '{"kind": "linear", "warmup_steps": 3, "total_steps": 9}',
                               "s.json"))
    assert schedule.warmup_steps == 3


def test_flag_overrides_the_file(tmp_path):
    path = write(tmp_path, "kind: linear\nlr: 1e-3\n")
    assert load_spec(path, {"lr": "2e-3"}).spec["lr"] == 2e-3


BAD_FILES = [
    ("kind: cosine\n  lr: [1e-3\n", "YAML syntax error at line 2"),
    ("", "empty file"),
    ("   \n# only a comment\n", "empty file"),
    ("- 1\n- 2\n", "the top level is a list, not a mapping"),
    ("42\n", "the top level is an integer, not a mapping"),
    ("kind: cosine\nwarmup_stpes: 10\n", "warmup_stpes: unknown key (got 'warmup_stpes'); did you mean 'warmup_steps'?"),
    ("lr: 1e-3\nlr: 2e-3\n", "duplicate key 'lr' (first on line 1)"),
    ("lr: fast\n", "lr: expected a number (got 'fast')"),
    ("lr: .nan\n", "lr: must be a finite number"),
    ("lr: .inf\n", "lr: must be a finite number"),
    ("total_steps: [1, 2]\n", "total_steps: expected a number, not a list"),
    ("on: 1\n", "keys must be strings"),
    ("phases: []\n", "phases: phases is empty"),
    ("total_steps: 100\nphases:\n  - {steps: rest}\n  - {steps: rest}\n", "phases[1].steps: 'rest' is used twice"),
    ("phases:\n  - {steps: 10, shape: wobble}\n", "phases[0].shape: unknown value (got 'wobble')"),
    ("phases:\n  - {steps: 10, tto: 1}\n", "phases[0].tto: unknown phase key"),
    ("total_steps: 50\nphases:\n  - {steps: 10}\n", "total_steps: the phases add up to 10 updates, not total_steps 50"),
    (b"\xff\xfe\x00k\x00", "not UTF-16 text (byte 4); save the file as UTF-8"),
    (b"\xff\xfek\x00\x00\x00", "binary file, not a YAML or JSON spec"),
    (b"lr: \xe9\n", "not UTF-8 text"),
    ("schedule: torch.Nope\nargs: {}\n", "schedule: unknown torch schedule"),
    ("schedule: tensorflow.Cosine\n", "schedule: unknown library (got 'tensorflow.Cosine')"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_bad_files_get_one_line_naming_the_file(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    rendered = str(caught.value)
    assert rendered.startswith(path + ": ")
    assert message in rendered
    assert "\n" not in rendered


def test_missing_file(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(str(tmp_path / "nope.yaml"))


def test_folder_given_as_spec(tmp_path):
    with pytest.raises(SpecError, match="is a folder"):
        load_spec(str(tmp_path))


def test_yaml_cannot_build_python_objects(tmp_path):
    path = write(tmp_path, "lr: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(SpecError, match="YAML syntax error|could not determine a constructor"):
        load_spec(path)


def test_no_config_marker_is_a_native_key():
    """A mapping of native keys alone is resolved without loading the config readers
    (``warmupctl.spec.resolve._config_kind``); that is right only while no config kind is told by a
    native key, which this keeps true."""
    import itertools

    from warmupctl.core.vocabulary import KEYS
    from warmupctl.spec.configs import config_kind

    assert [key for key in KEYS if config_kind({key: 1}) is not None] == []
    assert [key for key in KEYS if config_kind({key: {"a": 1}}) is not None] == []
    # Nor by two of them, nor by all of them together.
    assert [pair for pair in itertools.combinations(KEYS, 2) if config_kind(dict.fromkeys(pair, 1))] == []
    assert config_kind(dict.fromkeys(KEYS, 1)) is None


@pytest.mark.parametrize(("text", "message"), [
    ('{"kind": "cosine", "lr": 1e-3,}', "line 1, column 30: a comma before '}': JSON allows no comma after the last item"),
    ('{"kind": "cosine",\n  "phases": [{"steps": 10},\n]}',
     "line 2, column 27: a comma before ']': JSON allows no comma after the last item"),
    ("{'kind': 'cosine'}", "line 1, column 2: expected a key in double quotes, found \"'\""),
    ('{"kind" "cosine"}', "line 1, column 9: expected ':' after the key, found '\"'"),
    ('{"kind": "cosine" "lr": 1}', "line 1, column 19: expected ',' or the end of the list or object, found '\"'"),
    ('{"kind": }', "line 1, column 10: expected a value, found '}'"),
    ('{"kind": "cosine"} {}', "line 1, column 20: more text after the end of the JSON value, found '{'"),
    ('{"kind": "cos', "line 1, column 10: a string is not closed (no closing '\"')"),
    ('{"kind": "co\\sine"}', "line 1, column 13: an unknown escape inside a string"),
    ('{"kind": "\\u12"}', "line 1, column 12: a \\u escape needs four hexadecimal digits"),
])
def test_json_syntax_errors_in_warmupctl_words(tmp_path, text, message):
    """The json module's words change between Python releases (3.13 rewrote the trailing comma's); the
    message is warmupctl's own on every supported Python."""
    path = tmp_path / "spec.json"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        load_spec(str(path))
    assert str(caught.value).startswith(f"{path}: JSON syntax error at {message}")
