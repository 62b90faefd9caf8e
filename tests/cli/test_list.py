"""``warmupctl list``: the vocabulary as tables and JSON."""

import json

from warmupctl.core.vocabulary import KEYS, KINDS
from warmupctl.engine import SHAPES


def test_kinds_keys_shapes_as_json(cli):
    kinds = json.loads(cli("list", "kinds", "--format", "json").stdout)
    assert [row["kind"] for row in kinds] == list(KINDS)
    keys = json.loads(cli("list", "keys", "--format", "json").stdout)
    flags = {row["key"]: row["flag"] for row in keys}
    assert flags["warmup_steps"] == "--warmup-steps" and set(KEYS) <= set(flags)
    shapes = json.loads(cli("list", "shapes", "--format", "json").stdout)
    assert {row["shape"] for row in shapes} == set(SHAPES)


def test_table_output(cli):
    result = cli("list", "keys")
    assert result.exit_code == 0 and "--warmup-steps" in result.stdout


def test_unknown_library(cli):
    result = cli("list", "libraries", "tensorflw")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: command line: NAME: unknown library (got 'tensorflw')")
