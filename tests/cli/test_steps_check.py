"""``warmupctl steps`` and ``warmupctl check`` through CliRunner: data on stdout, one line per problem
on stderr, the exit codes."""

import json
import subprocess
import sys

import pytest

WORKED = ("--dataset-size", "100", "--micro-batch-size", "1", "--grad-accum", "4", "--epochs", "10")
GPT3 = ("--warmup-tokens", "375e6", "--micro-batch-size", "16", "--seq-len", "1024", "--grad-accum", "4",
        "--devices", "8")


def error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_steps_worked_example_table(cli):
    result = cli("steps", *WORKED, "--ratio", "0.1")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "100 samples, 10 epochs: updates by loop" in out
    row = next(line for line in out.splitlines() if "→ transformers ≥ 4.52" in line)
    assert [cell.strip() for cell in row.split("│")[2:-1]] == ["100", "25", "–", "250", "25"]
    assert "warmup ratio 0.1 of 250 updates, by library" in out
    assert result.stderr == ""


def test_steps_worked_example_json(cli):
    result = cli("steps", *WORKED, "--ratio", "0.1", "--format", "json")
    document = json.loads(result.stdout)
    assert document["format_version"] == 1
    assert {row["loop"]: (row["updates_per_epoch"], row["total_updates"], row["warmup_updates"])
            for row in document["loops"]} == {
        "transformers": (25, 250, 25), "transformers_4_51": (25, 250, 25), "lightning": (25, 250, 25),
        "plain": (25, 250, 25)}
    assert document["lengths"] == {"total_steps": 250, "warmup_steps": 25}
    rules = {r["rule"]: r["warmup_updates"] for r in document["warmup_ratio"]["rules"]}
    assert rules["transformers"] == 25 and rules["megatron"] == 25.0


def test_steps_tokens_under_each_rounding(cli):
    result = cli("steps", *GPT3, "--format", "json")
    (conversion,) = json.loads(result.stdout)["conversions"]
    assert conversion == {"key": "warmup_tokens", "unit": "tokens", "amount": 375000000,
                          "per_update": 524288, "ceil": 716, "floor": 715, "round": 715,
                          "unrounded": 715.2557373046875}
    table = cli("steps", *GPT3).stdout
    assert "524288 tokens at seq_len 1024" in table and "715.2557373046875" in table


def test_steps_loops_that_differ(cli):
    result = cli("steps", "--dataset-size", "10", "--micro-batch-size", "1", "--grad-accum", "4",
                 "--epochs", "3", "--loop", "plain", "--format", "json")
    document = json.loads(result.stdout)
    assert {r["loop"]: r["total_updates"] for r in document["loops"]} == {
        "transformers": 9, "transformers_4_51": 6, "lightning": 9, "plain": 6}
    assert document["lengths"] == {"total_steps": 6}
    assert document["batch"]["loop"] == "plain"


def test_steps_rules_of_thumb(cli):
    result = cli("steps", "--beta2", "0.999", "--micro-batch-size", "64", "--grad-accum", "2",
                 "--lr", "1e-4", "--reference-batch-size", "32", "--format", "json")
    document = json.loads(result.stdout)
    assert document["untuned_warmup"]["linear"] == 2000
    assert document["untuned_warmup"]["linear_pytorch_warmup"] == 1999
    assert document["lr_scaling"]["linear"] == pytest.approx(4e-4)
    assert document["lr_scaling"]["sqrt"] == pytest.approx(2e-4)
    assert document["loops"] is None and document["conversions"] is None


def test_steps_reads_a_spec_and_flags_override(cli, tmp_path):
    spec = tmp_path / "run.yaml"
    spec.write_text("kind: cosine\nlr: 3e-4\ndataset_size: 100\nmicro_batch_size: 1\ngrad_accum: 4\n"
                    "epochs: 10\ntotal_steps: 250\n")
    document = json.loads(cli("steps", str(spec), "--format", "json").stdout)
    assert document["lengths"] == {"total_steps": 250}
    # --epochs replaces the file's total_steps (same length): no contradiction
    document = json.loads(cli("steps", str(spec), "--epochs", "2", "--format", "json").stdout)
    assert document["lengths"] == {"total_steps": 50}
    spec.write_text("dataset_size: 100\nmicro_batch_size: 1\ngrad_accum: 4\nepochs: 10\ntotal_steps: 240\n")
    result = cli("steps", str(spec))
    assert result.exit_code == 2
    assert error_line(result).startswith(f"error: {spec}: epochs: total_steps and epochs disagree: "
                                         "total_steps is 240, but epochs 10 give 250 updates")


@pytest.mark.parametrize(("args", "start"), [
    ((*WORKED, "--total-steps", "240"),
     "error: command line: --epochs: total_steps and epochs disagree: total_steps is 240, but epochs 10"),
    (("--dataset-size", "0", "--micro-batch-size", "1"),
     "error: command line: --dataset-size: must be positive (got '0')"),
    ((*WORKED, "--loop", "pain"), "error: command line: --loop: unknown value (got 'pain'); did you mean 'plain'?"),
    (("--ratio", "0.1"), "error: command line: --ratio: a warmup ratio needs the run's length"),
    (("--beta2", "1"), "error: command line: --beta2: beta2 must be between 0 and 1"),
    (("--lr", "1e-3"), "error: command line: --lr: --lr is scaled from a reference batch size"),
    (("--warmup-tokens", "1e6", "--micro-batch-size", "4"), "error: command line: --warmup-tokens: "
     "warmup_tokens needs seq_len"),
    ((), "error: command line: nothing to compute; e.g. --dataset-size"),
])
def test_steps_bad_input(cli, args, start):
    result = cli("steps", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert error_line(result).startswith(start)


def test_steps_writes_a_file(cli, tmp_path):
    target = tmp_path / "steps.json"
    result = cli("steps", *WORKED, "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["lengths"] == {"total_steps": 250}
    assert result.stderr.strip() == f"wrote {target}"


def test_native_specs_take_the_new_keys(cli):
    result = cli("table", *WORKED, "--ratio", "0.1", "--format", "csv", "--at", "0,25,249")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:3] == ["step,lr", "0,0.0", "25,0.0001"]
    assert "note: total_steps 250: epochs 10 give 250 updates" in result.stderr


def test_check_default_spec(cli):
    result = cli("check")
    assert result.exit_code == 0
    assert "W001 zero-first-lr  info  update 0: update 0 gets LR 0" in result.stdout
    assert "set init_lr > 0, or step_offset: 1" in " ".join(result.stdout.split())
    assert result.stdout.strip().endswith("0 warnings, 0 advice, 1 info")
    # The library's convention (a warmup from 0) does not fail --strict.
    assert cli("check", "--strict").exit_code == 0
    assert cli("check", "--strict", "--kind", "cosine", "--no-color").exit_code == 0


def test_check_advice_does_not_fail_strict(cli):
    result = cli("check", "--ratio", "0.3", "--init-lr", "1e-6", "--strict")
    assert result.exit_code == 0
    assert "W002 warmup-length-unusual  advice  update 300" in result.stdout
    result = cli("check", "--ratio", "0.3", "--init-lr", "1e-6", "--purpose", "finetune")
    assert "fine-tuning warmups usually span 6-10 %" in " ".join(result.stdout.split())


def test_check_json_and_several_specs(cli, tmp_path):
    hf = tmp_path / "hf.yaml"
    hf.write_text("schedule: transformers.cosine\nlr: 1e-4\n"
                  "args: {num_warmup_steps: 100, num_training_steps: 1000}\n")
    native = tmp_path / "native.yaml"
    native.write_text("kind: cosine\ninit_lr: 1e-6\nratio: 0.1\n")
    result = cli("check", str(hf), str(native), "--format", "json", "--strict")
    assert result.exit_code == 0  # the Trainer stops at num_training_steps: the re-rise is info
    document = json.loads(result.stdout)
    first, second = document["schedules"]
    assert [f["id"] for f in first["findings"]] == ["W001", "W005"]
    assert [f["severity"] for f in first["findings"]] == ["info", "info"]
    assert first["findings"][1]["step"] == 1002 and second["findings"] == []
    assert document["counts"] == {"info": 2, "advice": 0, "warning": 0}


def test_check_bad_input(cli):
    result = cli("check", "--ignore", "W042")
    assert result.exit_code == 2 and error_line(result).startswith("error: command line: --ignore: unknown lint")
    result = cli("check", "--purpose", "sft")
    assert result.exit_code == 2 and "--purpose" in error_line(result)


def test_help_stays_light():
    probe = ("import sys\nfrom typer.testing import CliRunner\nfrom warmupctl.cli import app\n"
             "codes = [CliRunner().invoke(app, [c, '--help']).exit_code for c in ('steps', 'check')]\n"
             "print(codes, 'numpy' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[0, 0] False False"


def test_check_strict_passes_a_stock_transformers_warmup(cli, tmp_path):
    hf = tmp_path / "hf.yaml"
    hf.write_text("schedule: transformers.linear\nlr: 1e-4\n"
                  "args: {num_warmup_steps: 100, num_training_steps: 1000}\n")
    result = cli("check", str(hf), "--strict")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.strip().endswith("0 warnings, 0 advice, 1 info")


def test_check_finetune_takes_a_rounded_ten_percent(cli):
    result = cli("check", "--purpose", "finetune", "--ratio", "0.1", "--total-steps", "991", "--strict")
    assert result.exit_code == 0
    assert "W002" not in result.stdout


def test_check_format_github(cli, tmp_path):
    spec = tmp_path / "long, warmup.yaml"
    spec.write_text("kind: cosine\nratio: 0.3\n")
    result = cli("check", str(spec), "--format", "github")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    name = str(spec).replace(":", "%3A").replace(",", "%2C")
    assert lines == [
        f"::notice file={name},title=warmupctl check%3A W002 warmup-length-unusual::cosine, warmup 300: "
        "update 300: the warmup is 30 %25 of the run (300 of 1000 updates); usual warmups span 5-20 %25 "
        "of the updates (fine-tuning 6-10 %25, LLM pre-training 0.1-2 %25) (hint: 5-20 %25 of this run is "
        "50-200 updates; --purpose finetune or pretrain compares with those ranges)",
        "warmupctl check: 0 warnings, 1 advice, 1 info",
    ]


def test_check_format_github_warnings_from_flags(cli):
    result = cli("check", "--kind", "cosine", "--ratio", "1.0", "--format", "github", "--strict")
    assert result.exit_code == 1
    warning = next(line for line in result.stdout.splitlines() if line.startswith("::warning "))
    assert warning.startswith("::warning title=warmupctl check%3A W004 warmup-fills-run::")
    assert "file=" not in warning
