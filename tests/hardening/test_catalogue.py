"""The catalogue of bad inputs (catalogue/cases.yaml): each file, flag or table gets exactly the
message written next to it, on one line, with exit 2; never a traceback.

Large and repetitive inputs (a 100 MB file, an alias bomb, 100 000 nested brackets) are made at test
time by the generators below, never committed: the 100 MB file is sparse, so it costs no disk and
no time to write.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import sys
import time

import pytest
import yaml

from tests.hardening.support import invoke
from warmupctl.frameworks._registry import LIBRARY_MODULES

CATALOGUE = pathlib.Path(__file__).with_name("catalogue")
CASES = yaml.safe_load((CATALOGUE / "cases.yaml").read_text(encoding="utf-8"))


def billion_laughs(key: str) -> bytes:
    """Nine levels of nine aliases: 9^9 (387 million) leaves if anything expanded it."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    names = "abcdefghi"
    for previous, name in zip(names, names[1:]):
        label = key if name == "i" else name
        lines.append(f"{label}: &{name} [{', '.join(['*' + previous] * 9)}]")
    if key == "args":
        lines.insert(0, "schedule: torch.CyclicLR")
    return ("\n".join(lines) + "\n").encode()


def deep(kind: str, depth: int) -> bytes:
    """``name:`` holding ``depth`` nested lists."""
    nested = "[" * depth + "]" * depth
    return (f"name: {nested}\n" if kind == "yaml" else f'{{"name": {nested}}}').encode()


def text(*parts) -> bytes:
    """Concatenate parts; ``[s, n]`` is ``s`` repeated ``n`` times."""
    return "".join(p[0] * p[1] if isinstance(p, list) else p for p in parts).encode()


GENERATORS = {"billion_laughs": billion_laughs, "deep": deep, "text": text}


def write_sparse(path: pathlib.Path, size: int, head: str) -> None:
    """A file of ``size`` bytes: ``head``, then zeros that the file system does not store."""
    with open(path, "wb") as handle:
        handle.write(head.encode())
        handle.truncate(size)


def command_exists(name: str) -> bool:
    from warmupctl.cli import app

    return any((c.name or "") == name for c in app.registered_commands)


def _param(case: dict):
    # ``xfail``: a message another module owes (the reason names it); the case states the one wanted.
    marks = [pytest.mark.xfail(reason=case["xfail"], strict=False)] if case.get("xfail") else []
    return pytest.param(case, id=case["id"], marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_catalogue(case, tmp_path, monkeypatch):
    if case["args"][0] == "import" and not command_exists("import"):
        pytest.skip("no 'warmupctl import' yet")
    monkeypatch.chdir(tmp_path)
    for name, content in (case.get("files") or {}).items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8", errors="surrogateescape"))
    for name in case.get("copy") or []:
        shutil.copyfile(CATALOGUE / name, tmp_path / name)
    for name, (generator, *args) in (case.get("make") or {}).items():
        if generator == "sparse":
            write_sparse(tmp_path / name, *args)
        else:
            (tmp_path / name).write_bytes(GENERATORS[generator](*args))

    started = time.perf_counter()
    result = invoke([str(a) for a in case["args"]], input=case.get("stdin"))
    elapsed = time.perf_counter() - started

    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == case.get("exit", 2), result.stderr
    # {libraries}: the registered library names, which grow with each library module.
    expected = case["stderr"].replace("{libraries}", ", ".join(sorted(LIBRARY_MODULES)))
    assert result.stderr == (expected + "\n" if expected else ""), result.stderr
    assert result.stdout == case.get("stdout", ""), result.stdout[:500]
    assert elapsed < 10, f"took {elapsed:.1f} s"
    # Nothing was written beside the inputs (no output was asked for).
    made = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    given = {*(case.get("files") or {}), *(case.get("copy") or []), *(case.get("make") or {})}
    assert made == given, made - given


def test_the_catalogue_files_are_all_used():
    """Every committed bad file is exercised by a case (and none is missing)."""
    used = {name for case in CASES for name in case.get("copy") or []}
    present = {p.name for p in CATALOGUE.iterdir() if p.name != "cases.yaml"}
    assert used == present


def test_the_100_mb_file_is_sparse(tmp_path):
    """The generator does not write 100 MB: the test stays fast on any disk."""
    path = tmp_path / "big.yaml"
    started = time.perf_counter()
    write_sparse(path, 100 * 2**20, "kind: cosine\n")
    assert os.path.getsize(path) == 100 * 2**20
    assert time.perf_counter() - started < 1.0


# --------------------------------------------------------------------------------------------------
# Safe loading: no spec or config runs code or reads a file the user did not name
# --------------------------------------------------------------------------------------------------

_OPENED: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], str):
        _OPENED.append(os.path.basename(args[0]))


sys.addaudithook(_audit)  # a process-wide hook (it cannot be removed): it records only when asked


def opened_during(args: list[str]) -> tuple[object, list[str]]:
    """Run ``warmupctl ARGS`` and list the base names of the files it opened."""
    global _OPENED
    invoke(args)  # once, so that imports and caches are not counted
    _OPENED = []
    try:
        result = invoke(args)
    finally:
        opened, _OPENED = _OPENED, None
    return result, opened


SECRET = "secret.yaml"
#: Every place of a spec that holds a string, each naming another file.
NAMING_SPECS = {
    "native": f"name: {SECRET}\nkind: cosine\ntotal_steps: 10\n",
    "phases": f"total_steps: 10\nphases:\n  - {{name: {SECRET}, steps: 10, to: lr}}\n",
    "unknown key": f"include: {SECRET}\nkind: cosine\n",
    "schedule": f"schedule: {SECRET}\n",
    "library": f"schedule: torch.CyclicLR\nname: {SECRET}\ntotal_steps: 10\n"
               f"args: {{base_lr: 0.1, max_lr: 1, mode: {SECRET}}}\n",
    "nested": f"schedule: torch.ChainedScheduler\nlr: 1\ntotal_steps: 5\nargs: {{schedulers: [{SECRET}]}}\n",
    "merge": "<<: !!str secret.yaml\nkind: cosine\n",
    "config": f"learning_rate: 1e-4\nlr_scheduler_type: linear\nmax_steps: 100\noutput_dir: {SECRET}\n"
              f"resume_from_checkpoint: {SECRET}\nlogging_dir: {SECRET}\n",
}


@pytest.mark.parametrize("name", sorted(NAMING_SPECS))
def test_a_spec_naming_another_file_does_not_read_it(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / SECRET).write_text("kind: linear\n")
    (tmp_path / "spec.yaml").write_text(NAMING_SPECS[name])
    result, opened = opened_during(["table", "spec.yaml", "--format", "csv", "--steps", "3"])
    assert result.exit_code in (0, 2), result.stderr
    assert "spec.yaml" in opened
    assert SECRET not in opened, (name, result.stderr)


def test_a_config_reads_the_deepspeed_file_it_names_and_nothing_else(tmp_path, monkeypatch):
    """The one documented reference: TrainingArguments' ``deepspeed:`` (relative to the file)."""
    if not command_exists("import"):
        pytest.skip("no 'warmupctl import' yet")
    monkeypatch.chdir(tmp_path)
    (tmp_path / SECRET).write_text("kind: linear\n")
    (tmp_path / "ds.json").write_text('{"scheduler": {"type": "WarmupDecayLR", "params": '
                                      '{"total_num_steps": "auto", "warmup_num_steps": "auto"}}}')
    (tmp_path / "trainer.yaml").write_text(
        "learning_rate: 1e-4\nlr_scheduler_type: linear\nmax_steps: 100\nwarmup_steps: 10\ndeepspeed: ds.json\n"
        f"output_dir: {SECRET}\nlogging_dir: {SECRET}\n")
    result, opened = opened_during(["import", "trainer.yaml"])
    assert result.exit_code == 0, result.stderr
    assert "trainer.yaml" in opened and "ds.json" in opened
    assert SECRET not in opened


def test_python_tags_run_nothing(tmp_path, monkeypatch):
    """``!!python/object/apply:os.system`` is refused by the safe loader before anything runs."""
    monkeypatch.chdir(tmp_path)
    for tag in ("!!python/object/apply:os.system", "!!python/object/new:os.system",
                "!!python/name:os.system", "!!python/module:os"):
        (tmp_path / "spec.yaml").write_text(f"lr: {tag} ['touch pwned']\n")
        result = invoke(["table", "spec.yaml"])
        assert result.exit_code == 2
        assert "could not determine a constructor" in result.stderr
    assert not (tmp_path / "pwned").exists()
