"""Property fuzzing of every reader: whatever the input, exit 0, 1 or 2 with one line, never a
traceback, never exit 3, never a hang; and the LRs printed are finite or explained by a note.

Budgets (inputs per reader; the terminal summary prints what was spent, e.g. ``fuzz: 250 inputs over
spec files (YAML/JSON text)``): in the default suite 250 spec files, 310 command lines, 200 saved
tables, 150 training configs, 80 training logs and 4 + 2 per library schedule (about 500): two to
three seconds per reader, deterministic (the ``ci`` profile derandomizes). ``HYPOTHESIS_PROFILE=fuzz``
runs twenty times as many, random (about half an hour). ``tests/hardening/fuzz_atheris.py`` runs a
coverage-guided fuzzer over the same readers by hand.

Every command run here passes ``--steps`` (or runs on bounded lengths), because an accepted
``total_steps`` of 10^10 is legal and costs minutes to tabulate; the engine's behaviour at far
updates is checked through the API instead (``test_library_args_far_updates``).
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.support import (
    EDGE_TEXT,
    budget,
    csv_values,
    edge_numbers,
    finite_floats,
    flag_text,
    hostile_scalar,
    hostile_value,
    invoke,
    judge,
    nonfinite_explained,
    small_counts,
    tried,
)
from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import (
    DECAY_SHAPES,
    KEYS,
    KIND_ALIASES,
    KINDS,
    LOOPS,
    SHAPE_NAMES,
    WARMUP_SHAPES,
    flag_for,
)
from warmupctl.frameworks._registry import RunBound
from warmupctl.spec.resolve import resolve

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = sorted(p for p in (ROOT / "sample_configs").rglob("*") if p.suffix in (".yaml", ".json"))


def fuzz(examples: int) -> settings:
    """Settings of one fuzz test: ``examples`` inputs (more under the fuzz profile), no deadline (a
    hang is caught by :data:`~tests.hardening.support.HANG_SECONDS` instead)."""
    return settings(max_examples=budget(examples), deadline=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> pathlib.Path:
    """One folder per module (hypothesis refuses function-scoped fixtures across examples)."""
    return tmp_path_factory.mktemp("fuzz")


def run_and_judge(args: list[str], what: str, *, input: str | bytes | None = None,
                  may_differ: bool = False):
    result = invoke(args, input=input)
    judge(result, what, may_differ=may_differ)
    return result


def check_table(result, what: str) -> None:
    """A successful ``table --format csv`` printed finite LRs, or notes that explain the others."""
    if result.exit_code == 0:
        nonfinite_explained(csv_values(result.stdout), result.stderr, what)


# --------------------------------------------------------------------------------------------------
# Spec files: YAML and JSON text
# --------------------------------------------------------------------------------------------------

probability = st.floats(min_value=0, max_value=1)
lr_value = st.one_of(st.sampled_from([0, 1e-4, 3e-4, 1e-3, 0.1, 1.0]), st.floats(0, 1e-2))


def plausible(key: str) -> st.SearchStrategy:
    """A value of the right kind for a native key (so the fuzz gets past the type checks)."""
    counts = {"total_steps": st.integers(1, 3000), "warmup_stairs": st.integers(1, 10),
              "d_model": st.integers(1, 4096), "step_offset": st.integers(0, 10),
              "dataset_size": st.integers(1, 1000), "micro_batch_size": st.integers(1, 64),
              "devices": st.integers(1, 8), "grad_accum": st.integers(1, 16),
              "seq_len": st.integers(1, 4096)}
    if key in counts:
        return counts[key]
    if key in ("warmup_steps", "decay_steps", "step_size"):
        return small_counts
    if key in ("lr", "init_lr", "min_lr"):
        return lr_value
    if key in ("ratio", "warmup_ratio", "decay_ratio", "gamma"):
        return st.floats(0, 1)
    if key in ("num_cycles", "power", "scale", "timescale"):
        return st.floats(0, 8)
    if key == "kind":
        return st.sampled_from([*KINDS, *KIND_ALIASES])
    if key == "warmup_shape":
        return st.sampled_from(WARMUP_SHAPES)
    if key == "decay_shape":
        return st.sampled_from(DECAY_SHAPES)
    if key == "loop":
        return st.sampled_from(LOOPS)
    if key == "drop_last":
        return st.booleans()
    if key == "milestones":
        return st.lists(small_counts, max_size=4).map(sorted)
    if key == "phases":
        return st.lists(phase, min_size=0, max_size=4)
    if key in ("epochs", "warmup_epochs", "decay_epochs"):
        return st.floats(0, 10)
    if key.endswith(("_tokens", "_samples")):
        return st.integers(0, 10**6)
    return st.text(max_size=20)


phase = st.fixed_dictionaries(
    {"steps": st.one_of(st.integers(0, 500), st.just("rest"))},
    optional={
        "name": st.text(max_size=10),
        "shape": st.sampled_from(SHAPE_NAMES),
        "to": st.one_of(lr_value, st.sampled_from(["lr", "init_lr", "min_lr", "peak"])),
        "from": lr_value,
        "num_cycles": st.floats(0, 4), "power": st.floats(0, 4), "stairs": st.integers(1, 8),
        "timescale": st.floats(0, 100), "gamma": st.floats(0, 1), "step_size": st.integers(1, 50),
        "milestones": st.lists(st.integers(0, 500), max_size=3),
        "ratio": st.floats(0, 1),
    },
)


@st.composite
def native_mapping(draw) -> dict:
    """A native spec: known keys with plausible values, a quarter of them hostile, now and then an
    unknown key."""
    keys = draw(st.lists(st.sampled_from(sorted(KEYS)), max_size=8, unique=True))
    out = {}
    for key in keys:
        out[key] = draw(hostile_value) if draw(probability) < 0.25 else draw(plausible(key))
    if draw(probability) < 0.1:
        out[draw(st.text(max_size=10))] = draw(hostile_value)
    return out


def dump(mapping: dict, as_json: bool) -> str:
    if as_json:
        return json.dumps(mapping)  # NaN and Infinity as Python writes them: read back by json
    return yaml.safe_dump(mapping, allow_unicode=True)


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """``data`` with a few bytes cut, inserted or replaced, or truncated."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "insert", "replace", "truncate"]))
        if action == "cut":
            del data[where:where + draw(st.integers(1, 8))]
        elif action == "insert":
            data[where:where] = draw(st.sampled_from(
                [b"{", b"[", b"]", b":", b"- ", b"&a ", b"*a", b"!!", b"\n", b"\t", b"'", b'"', b"#",
                 b"\xff", b"\x00", b"1e999", b"-", b"? ", b"<<: "]) | st.binary(max_size=4))
        elif action == "replace" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        else:
            del data[where:]
    return bytes(data)


spec_bytes = st.one_of(
    st.tuples(native_mapping(), st.booleans()).map(lambda t: dump(t[0], t[1]).encode()),
    st.sampled_from(SAMPLES).map(lambda p: p.read_bytes()).flatmap(mutated),
    st.tuples(native_mapping(), st.booleans()).map(lambda t: dump(t[0], t[1]).encode()).flatmap(mutated),
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
)


@fuzz(200)
@given(data=spec_bytes, suffix=st.sampled_from([".yaml", ".json", ".yml", ""]),
       steps=st.integers(1, 60))
def test_spec_files(folder, data, suffix, steps):
    path = folder / f"spec{suffix}"
    path.write_bytes(data)
    tried("spec files (YAML/JSON text)")
    result = run_and_judge(["table", str(path), "--format", "csv", "--steps", str(steps)], repr(data))
    check_table(result, repr(data))


@fuzz(50)
@given(data=spec_bytes)
def test_spec_on_stdin(data):
    tried("spec files (YAML/JSON text)")
    result = run_and_judge(["summary", "-", "--format", "json", "--steps", "50"], repr(data), input=data)
    if result.exit_code == 0:
        summary = json.loads(result.stdout)["summary"]
        assert isinstance(summary["peak_lr"], float) or "note:" in result.stderr, repr(data)


# --------------------------------------------------------------------------------------------------
# Library specs: every registered schedule, its args of the declared kinds and of wrong kinds
# --------------------------------------------------------------------------------------------------


def library_entries() -> list:
    from warmupctl.frameworks._registry import load_libraries

    unique = {id(e): e for e in load_libraries().values()}
    return sorted(unique.values(), key=lambda e: e.qualname)


ENTRIES = library_entries()
NESTED = [{"schedule": "torch.StepLR", "args": {"step_size": 3}},
          {"schedule": "torch.ExponentialLR", "args": {"gamma": 0.9}},
          {"schedule": "optax.linear_schedule",
           "args": {"init_value": 0.0, "end_value": 1e-3, "transition_steps": 10}},
          {"schedule": "torch.LinearLR", "args": {"start_factor": 0.1, "total_iters": 4}}]


def of_kind(arg) -> st.SearchStrategy:
    """A value of the argument's declared kind, spread over its plausible range and its edges."""
    kind = arg.kind
    if kind == "int":
        return st.one_of(st.integers(-3, 3000), st.sampled_from([0, -1, 1, 2**31, 2**63 - 1]))
    if kind == "float":
        return st.one_of(st.floats(-2, 2), st.floats(0, 1e4), edge_numbers.filter(
            lambda x: not isinstance(x, int) or abs(x) < 2**64))
    if kind == "bool":
        return st.booleans()
    if kind == "str":
        return st.sampled_from(arg.choices) if arg.choices else st.text(max_size=12)
    if kind == "floats":
        return st.one_of(st.lists(st.floats(-1, 2), max_size=4), st.floats(0, 1))
    if kind == "ints":
        return st.lists(st.integers(-2, 2000), max_size=5).map(sorted)
    if kind == "spec":
        return st.sampled_from(NESTED)
    if kind == "specs":
        return st.lists(st.sampled_from(NESTED), max_size=3)
    return hostile_value


@st.composite
def library_mapping(draw, entry) -> dict:
    args = {}
    for arg in entry.args:
        roll = draw(probability)
        if roll < 0.15 and not arg.required:
            continue
        args[arg.name] = draw(hostile_value) if roll > 0.85 else draw(of_kind(arg))
    mapping: dict = {"schedule": entry.qualname, "args": args}
    if draw(probability) < 0.9:
        mapping["lr"] = draw(st.one_of(lr_value, hostile_scalar))
    if draw(probability) < 0.8:
        mapping["total_steps"] = draw(st.one_of(st.integers(1, 3000), hostile_scalar))
    for arg in entry.extra:
        if draw(probability) < 0.7:
            mapping[arg.name] = draw(of_kind(arg) if draw(probability) < 0.8 else hostile_value)
    if draw(probability) < 0.05:
        mapping[draw(st.text(max_size=8))] = draw(hostile_scalar)
    return mapping


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.qualname)
def test_library_args(entry):
    @fuzz(4)
    @given(mapping=library_mapping(entry), steps=st.integers(1, 80))
    def run(mapping, steps):
        tried("library specs' args")
        text = json.dumps(mapping)
        result = run_and_judge(["table", "-", "--format", "csv", "--steps", str(steps)], text,
                               input=text)
        if result.exit_code == 0:
            # Notes speak of the run: rows past total_steps (--steps may go further) may be NaN
            # where the library raises without a note; within the run, every non-finite LR has one.
            with np.errstate(all="ignore"):  # the CLI hides numpy's warnings; so does this call
                bound = RunBound(steps, f"--steps {steps}")  # the run of a schedule without an end
                total = resolve(mapping, source="fuzz", bound=bound).total_steps
            nonfinite_explained(csv_values(result.stdout)[:total], result.stderr, text)

    run()


#: Updates far out, in any order. A replayed (recursive) torch schedule costs time in proportion to
#: the update asked for (~10 s per 10^9), so those stop at 2**21; closed forms go to 2**62 (the CLI
#: refuses indices beyond 10^10, so these are the API's).
FAR_UPDATES = [2**21, 0, 1000, 999, 1, 1001, 2]
HUGE_UPDATES = [10**10, 2**31 - 1, 2**31, 2**53, 2**62]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.qualname)
def test_library_args_far_updates(entry):
    """Through the API, far past the run: float64 numbers of the right shape, never an exception, and
    within the run (updates < total_steps) finite or explained by a note."""

    @fuzz(2)
    @given(mapping=library_mapping(entry))
    def run(mapping):
        tried("library specs' args")
        try:
            with np.errstate(all="ignore"):
                schedule = resolve(mapping, source="fuzz")
        except SpecError:
            return
        updates = FAR_UPDATES + (HUGE_UPDATES if schedule.chunks is None else [])
        with np.errstate(all="ignore"):
            values = schedule(np.array(updates, dtype=np.int64))
        assert values.shape == (len(updates),) and values.dtype == np.float64, mapping
        within = [x for k, x in zip(updates, values.tolist()) if k < schedule.total_steps]
        nonfinite_explained(within, " ".join(schedule.notes), repr(mapping))

    run()


# --------------------------------------------------------------------------------------------------
# Flags: every native key as a --flag with what a user might type, and each command's own options
# --------------------------------------------------------------------------------------------------

SPEC_FLAG_KEYS = sorted(k for k in KEYS if k != "phases")
#: Keys whose accepted values make the run longer: kept out of commands that walk the whole run.
LENGTH_FLAG_KEYS = {"total_steps", "epochs", "total_tokens", "total_samples", "dataset_size"}


@st.composite
def spec_flags(draw, keys=SPEC_FLAG_KEYS) -> list[str]:
    args: list[str] = []
    for key in draw(st.lists(st.sampled_from(keys), max_size=6, unique=True)):
        args += [flag_for(key), draw(flag_text)]
    return args


def options(draw, *names: str) -> list[str]:
    args: list[str] = []
    for name in names:
        if draw(probability) < 0.3:
            args += [name, draw(flag_text)]
    return args


@st.composite
def command_line(draw) -> list[str]:
    command = draw(st.sampled_from(["table", "summary", "check", "steps", "list"]))
    if command == "table":
        return ["table", *draw(spec_flags()), "--steps", str(draw(st.integers(1, 40))),
                "--format", draw(st.sampled_from(["csv", "json", "markdown", "table"])),
                *options(draw, "--every", "--at")]
    if command == "summary":
        return ["summary", *draw(spec_flags()), "--steps", str(draw(st.integers(1, 40))),
                *options(draw, "--format")]
    if command == "check":
        keys = [k for k in SPEC_FLAG_KEYS if k not in LENGTH_FLAG_KEYS]
        return ["check", *draw(spec_flags(keys)), *options(draw, "--purpose", "--ignore", "--format")]
    if command == "steps":
        return ["steps", *draw(spec_flags()), *options(draw, "--beta2", "--reference-batch-size",
                                                       "--format")]
    return ["list", draw(st.sampled_from(["kinds", "shapes", "keys", "libraries", *EDGE_TEXT[:8]])),
            *([draw(st.text(max_size=20))] if draw(st.booleans()) else [])]


@fuzz(250)
@given(args=command_line())
def test_flags(args):
    tried("flags")
    result = run_and_judge(args, repr(args), may_differ=args[0] == "check")
    if args[0] == "table" and "csv" in args:
        check_table(result, repr(args))


@fuzz(60)
@given(at=st.lists(st.one_of(st.integers(0, 2**63 - 1), st.sampled_from(EDGE_TEXT)), min_size=1,
                   max_size=5).map(lambda xs: ",".join(map(str, xs))),
       every=st.one_of(st.none(), flag_text), kind=st.sampled_from(sorted(KINDS)))
def test_at_and_every(at, every, kind):
    """Rows named by --at (any int64) and --every, on a short run of every kind."""
    tried("flags")
    args = ["table", "--kind", kind, "--total-steps", "200", "--format", "csv", "--at", at]
    if kind in ("step", "exponential", "multistep"):
        args += {"step": ["--step-size", "50"], "exponential": ["--gamma", "0.99"],
                 "multistep": ["--milestones", "100,150"]}[kind]
    if every is not None:
        args += ["--every", every]
    result = run_and_judge(args, repr(args))
    check_table(result, repr(args))


# --------------------------------------------------------------------------------------------------
# Saved tables, read back by diff
# --------------------------------------------------------------------------------------------------

lr_cell = st.one_of(finite_floats.map(repr), st.sampled_from(EDGE_TEXT), st.floats().map(repr))
row_steps = st.lists(st.integers(0, 10**6), max_size=30).map(sorted)


@st.composite
def csv_table(draw) -> bytes:
    steps = draw(row_steps)
    lines = ["step,lr" if draw(probability) < 0.9 else draw(st.text(max_size=20))]
    for s in steps:
        if draw(probability) < 0.9:
            lines.append(f"{s},{draw(finite_floats)!r}")
        else:
            lines.append(f"{draw(st.one_of(st.integers().map(str), st.sampled_from(EDGE_TEXT)))},"
                         f"{draw(lr_cell)}")
    text = "\n".join(lines) + ("\n" if draw(probability) < 0.9 else "")
    if draw(probability) < 0.1:
        text = text.replace("\n", "\r\n")
    return text.encode("utf-8", errors="surrogatepass")


@st.composite
def json_table(draw) -> bytes:
    rows = [{"step": s, "lr": draw(finite_floats)} for s in draw(row_steps)]
    if rows and draw(probability) < 0.3:
        rows[draw(st.integers(0, len(rows) - 1))] = draw(hostile_value)
    document = {"format_version": draw(st.one_of(st.just(1), hostile_scalar)), "rows": rows}
    if draw(probability) < 0.5:
        document["label"] = draw(hostile_value)
    text = json.dumps(document, indent=draw(st.sampled_from([None, 1])))
    return text.encode("utf-8", errors="surrogatepass")


table_bytes = st.one_of(csv_table(), json_table(), csv_table().flatmap(mutated),
                        json_table().flatmap(mutated), st.binary(max_size=300))
SPEC_B = "kind: linear\ntotal_steps: 40\nwarmup_steps: 4\n"


@fuzz(200)
@given(data=table_bytes, suffix=st.sampled_from([".csv", ".json", ".txt"]),
       against=st.sampled_from(["table", "spec", "stdin"]))
def test_saved_tables(folder, data, suffix, against):
    path = folder / f"golden{suffix}"
    path.write_bytes(data)
    tried("saved tables (diff)")
    if against == "stdin":
        args, stdin = ["diff", "-", str(path), "--format", "json"], data
    else:
        other = folder / ("b.csv" if against == "table" else "b.yaml")
        other.write_text("step,lr\n0,0.0\n1,0.001\n" if against == "table" else SPEC_B)
        args, stdin = ["diff", str(path), str(other), "--format", "json"], None
    result = run_and_judge(args, repr(data), input=stdin, may_differ=True)
    if result.exit_code in (0, 1):
        report = json.loads(result.stdout)
        assert isinstance(report, dict), result.stdout


# --------------------------------------------------------------------------------------------------
# Training configs (warmupctl import) and logs (--actual), where those readers exist
# --------------------------------------------------------------------------------------------------


def command_exists(name: str) -> bool:
    from warmupctl.cli import app

    return any((c.name or "") == name for c in app.registered_commands)


CONFIG_KEYS = {
    # transformers TrainingArguments
    "learning_rate": lr_value, "lr_scheduler_type": st.sampled_from(
        ["linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
         "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr", "warmup_stable_decay", "wsd"]),
    "warmup_steps": st.one_of(st.integers(0, 500), st.floats(0, 1)), "warmup_ratio": st.floats(0, 1),
    "max_steps": st.integers(-1, 3000), "num_train_epochs": st.floats(0, 5),
    "per_device_train_batch_size": st.integers(1, 64), "gradient_accumulation_steps": st.integers(1, 8),
    "lr_scheduler_kwargs": st.dictionaries(st.sampled_from(["num_cycles", "power", "min_lr", "lr_end"]),
                                           st.floats(0, 2), max_size=2),
    "dataset_size": st.integers(1, 5000), "world_size": st.integers(1, 8),
    # timm args.yaml
    "sched": st.sampled_from(["cosine", "tanh", "step", "multistep", "plateau", "poly"]),
    "epochs": st.integers(0, 400), "lr": lr_value, "warmup_epochs": st.integers(0, 10),
    "min_lr": lr_value, "batch_size": st.integers(1, 256), "decay_epochs": st.floats(0, 100),
    # megatron
    "lr_decay_style": st.sampled_from(["linear", "cosine", "constant", "inverse-square-root", "WSD"]),
    "train_iters": st.integers(0, 3000), "lr_warmup_iters": st.integers(0, 300),
    "global_batch_size": st.integers(1, 512), "lr_decay_iters": st.integers(0, 3000),
}


@st.composite
def deepspeed_config(draw) -> dict:
    params = draw(st.dictionaries(
        st.sampled_from(["warmup_min_lr", "warmup_max_lr", "warmup_num_steps", "total_num_steps",
                         "warmup_type", "cos_min_ratio", "warmup_min_ratio"]),
        st.one_of(st.just("auto"), lr_value, st.integers(0, 3000), hostile_scalar), max_size=5))
    scheduler = {"type": draw(st.sampled_from(["WarmupLR", "WarmupDecayLR", "WarmupCosineLR",
                                                "OneCycle", "LRRangeTest", "Nope"])),
                 "params": params}
    return {"scheduler": scheduler, "optimizer": {"type": "AdamW", "params": {"lr": draw(
        st.one_of(st.just("auto"), lr_value))}}, "train_batch_size": draw(st.one_of(st.just("auto"),
                                                                                    small_counts))}


@st.composite
def config_mapping(draw) -> dict:
    if draw(probability) < 0.25:
        return draw(deepspeed_config())
    keys = draw(st.lists(st.sampled_from(sorted(CONFIG_KEYS)), max_size=9, unique=True))
    return {k: draw(hostile_value) if draw(probability) < 0.2 else draw(CONFIG_KEYS[k]) for k in keys}


config_bytes = st.one_of(
    st.tuples(config_mapping(), st.booleans()).map(lambda t: dump(t[0], t[1]).encode()),
    st.tuples(config_mapping(), st.booleans()).map(lambda t: dump(t[0], t[1]).encode()).flatmap(mutated),
    st.sampled_from([p for p in SAMPLES if p.parent.name == "configs"] or SAMPLES).map(
        lambda p: p.read_bytes()).flatmap(mutated),
    st.binary(max_size=200),
)


@pytest.mark.skipif(not command_exists("import"), reason="no 'warmupctl import' yet")
@fuzz(150)
@given(data=config_bytes, suffix=st.sampled_from([".yaml", ".json"]),
       dataset=st.one_of(st.none(), flag_text))
def test_training_configs(folder, data, suffix, dataset):
    path = folder / f"config{suffix}"
    path.write_bytes(data)
    tried("training configs (import)")
    args = ["import", str(path)] + (["--dataset-size", dataset] if dataset is not None else [])
    run_and_judge(args, repr(data))


def actual_commands() -> list[str]:
    """The commands that read a training log (``--actual LOG``), once that reader exists."""
    import inspect

    from warmupctl.cli import app

    found = []
    for command in app.registered_commands:
        for parameter in inspect.signature(command.callback).parameters.values():
            for info in getattr(parameter.annotation, "__metadata__", ()):
                # typer.Option("--actual"): the name lands in .default (Typer's old signature)
                names = [getattr(info, "default", None), *(getattr(info, "param_decls", None) or ())]
                if "--actual" in names:
                    found.append(command.name)
    return found


ACTUAL = [name for name in ("diff", "summary") if name in actual_commands()]
log_value = st.one_of(finite_floats, st.floats(0, 1e-2), hostile_scalar)
log_step = st.one_of(st.integers(0, 120), hostile_scalar)


@st.composite
def log_bytes(draw) -> bytes:
    """A trainer_state.json, a TensorBoard CSV or JSON export, or a W&B CSV; hostile values inside."""
    rows = draw(st.lists(st.tuples(log_step, log_value), max_size=12))
    kind = draw(st.sampled_from(["trainer_state", "history", "tensorboard_csv", "tensorboard_json",
                                 "wandb"]))
    if kind in ("trainer_state", "history"):
        history = [{"step": s, "learning_rate": x, "loss": 1.0} for s, x in rows]
        if history and draw(probability) < 0.2:
            history[draw(st.integers(0, len(history) - 1))] = draw(hostile_value)
        text = json.dumps({"log_history": history} if kind == "trainer_state" else history)
    elif kind == "tensorboard_json":
        text = json.dumps([[1.7e9, s, x] for s, x in rows])
    else:
        header = "Wall time,Step,Value" if kind == "tensorboard_csv" else draw(st.sampled_from(
            ["train/global_step,train/learning_rate", "Step,lr-AdamW,lr-AdamW__MIN", "_step,lr,lr"]))
        width = header.count(",") + 1
        text = header + "\n" + "".join(
            ",".join([str(s), str(x)] + ["1.0"] * (width - 2)) + "\n" for s, x in rows)
    data = text.encode("utf-8", errors="surrogatepass")
    return draw(mutated(data)) if draw(probability) < 0.3 else data


@pytest.mark.skipif(not ACTUAL, reason="no command reads a training log (--actual) yet")
@fuzz(80)
@given(data=st.one_of(log_bytes(), st.binary(max_size=300)),
       suffix=st.sampled_from([".json", ".csv", ".log"]), command=st.sampled_from(ACTUAL or ["diff"]))
def test_logs(folder, data, suffix, command):
    path = folder / f"trainer_state{suffix}"
    path.write_bytes(data)
    spec = folder / "logged.yaml"
    spec.write_text("kind: linear\ntotal_steps: 100\nwarmup_steps: 10\nlr: 1e-3\n")
    tried("training logs (--actual)")
    args = [command, str(spec), "--actual", str(path)] + (["--format", "json"] if command == "diff" else [])
    run_and_judge(args, repr(data), may_differ=command == "diff")
