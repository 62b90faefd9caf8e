"""``table`` and ``plot`` with stepping policies, resumes and warmup theory, through CliRunner."""

import csv
import io
import json

import pytest

import warmupctl

LINEAR = ("--kind", "linear", "--warmup-steps", "100", "--total-steps", "1000", "--lr", "1e-4")


def rows(text: str) -> tuple[list[str], dict[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    return header, {int(r[0]): dict(zip(header, r)) for r in reader}


def intended(*steps: int) -> list[float]:
    return warmupctl.schedule(kind="linear", warmup_steps=100, total_steps=1000, lr=1e-4)(list(steps)).tolist()


def one_error_line(result, *parts: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])


# --- stepping policies in tables -----------------------------------------------------------------------


def test_per_micro_batch_csv_has_effective_lr_and_intended_beside_it(cli):
    result = cli("table", *LINEAR, "--stepping", "per-micro-batch", "--grad-accum", "4", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    header, table = rows(result.stdout)
    assert header == ["step", "lr", "intended"]
    assert len(table) == 1000
    # update k reads scheduler step (k + 1)·4 − 1
    for k in (0, 1, 24, 25, 249):
        assert float(table[k]["lr"]) == intended((k + 1) * 4 - 1)[0]
        assert float(table[k]["intended"]) == intended(k)[0]
    assert float(table[250]["lr"]) == 0.0
    assert "effective: the warmup of 100 scheduler steps ends at update 25, not 100" in result.stderr
    assert "used up at update 250" in result.stderr
    assert "grad_accum not used" not in result.stderr  # the policy uses it


def test_terminal_table_marks_the_moved_warmup_end(cli):
    result = cli("table", *LINEAR, "--stepping", "per-micro-batch", "--grad-accum", "4")
    assert result.exit_code == 0, result.stderr
    line = next(li for li in result.stdout.splitlines() if li.startswith("│   25 "))
    assert "warmup end" in line and "9.96667e-05" in line and "2.5e-05" in line
    assert "lr (effective)" in result.stdout and "intended" in result.stdout
    # the intended events are rows too: where the plan put the warmup end
    assert any(li.startswith("│  100 ") for li in result.stdout.splitlines())


@pytest.mark.parametrize("args", [("--stepping", "x2"), ("--stepping", "per-process", "--devices", "2")])
def test_twice_per_update(cli, args):
    result = cli("table", *LINEAR, *args, "--format", "csv", "--at", "0,50,499,500")
    assert result.exit_code == 0, result.stderr
    _, table = rows(result.stdout)
    assert [float(table[k]["lr"]) for k in (0, 50, 499, 500)] == intended(0, 100, 998, 1000)


def test_per_epoch_with_updates_per_epoch(cli):
    result = cli("table", *LINEAR, "--stepping", "per-epoch", "--updates-per-epoch", "25", "--format", "csv",
                 "--at", "0,24,25,999")
    assert result.exit_code == 0, result.stderr
    _, table = rows(result.stdout)
    assert [float(table[k]["lr"]) for k in (0, 24, 25, 999)] == intended(0, 0, 1, 39)
    assert "the warmup never ends" in result.stderr


def test_per_epoch_counted_from_the_batch_facts(cli):
    # 100 samples, micro-batch 1, grad_accum 4: 25 updates per epoch (transformers 5.x counting).
    result = cli("table", *LINEAR, "--stepping", "per-epoch", "--dataset-size", "100",
                 "--micro-batch-size", "1", "--grad-accum", "4", "--format", "json", "--at", "24,25")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["policies"] == [{"policy": "per-epoch", "updates_per_epoch": 25}]
    assert [r["lr"] for r in document["rows"]] == intended(0, 1)
    assert "not used" not in result.stderr


def test_library_spec_takes_a_stepping_policy(cli, tmp_path):
    spec = tmp_path / "hf.yaml"
    spec.write_text("schedule: transformers.cosine\nlr: 1e-4\n"
                    "args: {num_warmup_steps: 100, num_training_steps: 1000}\n")
    result = cli("table", str(spec), "--stepping", "per-micro-batch", "--grad-accum", "4", "--format", "csv",
                 "--at", "0,250")
    assert result.exit_code == 0, result.stderr
    _, table = rows(result.stdout)
    lib = warmupctl.load(str(spec))
    assert float(table[0]["lr"]) == float(lib(3))
    # transformers' cosine past its end rises again: the effective run reads it there
    assert float(table[250]["lr"]) == float(lib(1003)) > 0


def test_stdin_spec(cli):
    result = cli("table", "-", "--stepping", "x4", "--format", "csv", "--at", "25",
                 input="kind: linear\nwarmup_steps: 100\nlr: 1e-4\n")
    assert result.exit_code == 0, result.stderr
    assert rows(result.stdout)[1][25]["lr"] == "0.0001"


# --- resumes -------------------------------------------------------------------------------------------


def test_fresh_resume_table(cli):
    result = cli("table", *LINEAR, "--resume-at", "500", "--format", "csv", "--at", "499,500,600")
    assert result.exit_code == 0, result.stderr
    _, table = rows(result.stdout)
    assert [float(table[k]["lr"]) for k in (499, 500, 600)] == intended(499, 0, 100)
    assert "update 500 reads scheduler step 0 again" in result.stderr


def test_resume_with_a_new_total_rebuilds_the_spec(cli):
    result = cli("table", "--kind", "cosine", "--ratio", "0.1", "--resume-at", "500", "--resume-total", "2000",
                 "--format", "json", "--at", "500,501,1999")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    rebuilt = warmupctl.schedule(kind="cosine", ratio=0.1, total_steps=2000)
    original = warmupctl.schedule(kind="cosine", ratio=0.1, total_steps=1000)
    got = [r["lr"] for r in document["rows"]]
    assert got == [float(original(500)), float(rebuilt(501)), float(rebuilt(1999))]
    assert document["summary"]["total_steps"] == 2000
    assert document["policies"] == [{"policy": "resume", "at": 500, "total": 2000, "fresh": False}]
    assert document["intended"]["label"] == "cosine, warmup 100"


def test_fresh_scheduler_with_a_new_total(cli):
    result = cli("table", *LINEAR, "--resume-at", "500", "--resume-total", "1500", "--resume-scheduler",
                 "fresh", "--format", "csv", "--at", "500,1499")
    assert result.exit_code == 0, result.stderr
    _, table = rows(result.stdout)
    fresh = warmupctl.schedule(kind="linear", warmup_steps=100, total_steps=1500, lr=1e-4)
    assert [float(table[k]["lr"]) for k in (500, 1499)] == [float(fresh(0)), float(fresh(999))]


@pytest.mark.parametrize(("args", "parts"), [
    (("--resume-at", "1000"), ("--resume-at", "inside the run", "got 1000")),
    (("--resume-at", "0"), ("--resume-at", "update 0 is the start")),
    (("--resume-total", "2000"), ("--resume-total", "add --resume-at")),
    (("--resume-at", "500", "--resume-total", "400"), ("--resume-at", "inside the run")),
    (("--stepping", "per-microbatch"), ("--stepping", "unknown stepping policy", "did you mean 'per-micro-batch'")),
    (("--stepping", "per-micro-batch"), ("--stepping", "needs grad_accum", "--grad-accum")),
    (("--stepping", "per-micro-batch", "--grad-accum", "0"), ("command line: --grad-accum", "must be positive")),
    (("--stepping", "per-epoch"), ("--stepping", "--updates-per-epoch")),
    (("--updates-per-epoch", "5"), ("--updates-per-epoch", "--stepping per-epoch")),
    (("--stepping", "x0"), ("--stepping", "xN")),
    (("--noise-batch", "-1"), ("command line: --noise-batch", "must be positive")),
    (("--noise-batch", "many"), ("--noise-batch", "expected a number", "e.g. --noise-batch 256")),
    (("--sharpness", "nan"), ("--sharpness", "finite")),
])
def test_bad_policy_input_is_one_line(cli, args, parts):
    one_error_line(cli("table", *LINEAR, *args), *parts)


def test_library_spec_cannot_be_rebuilt_with_a_new_total(cli, tmp_path):
    spec = tmp_path / "hf.yaml"
    spec.write_text("schedule: transformers.linear\nlr: 1e-4\n"
                    "args: {num_warmup_steps: 10, num_training_steps: 100}\n")
    one_error_line(cli("table", str(spec), "--resume-at", "50", "--resume-total", "200"),
                   "--resume-total", "library spec")


def test_policies_take_one_spec(cli):
    path = "sample_configs/transformers_example.yaml"
    one_error_line(cli("table", path, path, "--stepping", "x2"), "one spec")
    one_error_line(cli("table", path, path, "--noise-batch", "32"), "--noise-batch", "one spec")


# --- the theory in tables ------------------------------------------------------------------------------


def test_noise_batch_column_follows_lr(cli):
    result = cli("table", *LINEAR, "--noise-batch", "256", "--format", "csv", "--at", "0,10,50,100,550")
    assert result.exit_code == 0, result.stderr
    header, table = rows(result.stdout)
    assert header == ["step", "lr", "noise_batch"]
    assert table[0]["noise_batch"] == "inf"
    assert [float(table[k]["noise_batch"]) for k in (10, 50, 100, 550)] == pytest.approx(
        [25600.0, 1024.0, 256.0, 1024.0], rel=1e-12)


def test_noise_batch_json_and_terminal(cli):
    result = cli("table", *LINEAR, "--noise-batch", "256", "--format", "json", "--at", "0,50")
    document = json.loads(result.stdout)
    assert [r["noise_batch"] for r in document["rows"]] == [None, 1024.0]
    assert document["theory"]["noise_batch"] == {"batch": 256.0, "peak": 1e-4}
    terminal = cli("table", *LINEAR, "--noise-batch", "256", "--at", "0,50")
    assert "noise batch" in terminal.stdout and "∞" in terminal.stdout and "1024" in terminal.stdout


def test_noise_batch_under_a_policy_uses_the_intended_peak(cli):
    # Per epoch the warmup never finishes: α stays small, the noise batch huge.
    result = cli("table", *LINEAR, "--stepping", "per-epoch", "--updates-per-epoch", "25", "--noise-batch",
                 "256", "--format", "csv", "--at", "999")
    _, table = rows(result.stdout)
    assert float(table[999]["noise_batch"]) == pytest.approx(256 * (1e-4 / 39e-6) ** 2)


def test_sharpness_flags_the_unstable_updates(cli):
    result = cli("table", *LINEAR, "--sharpness", "25000", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    header, table = rows(result.stdout)
    assert header == ["step", "lr", "unstable"]
    flagged = [k for k, r in table.items() if r["unstable"] == "1"]
    assert flagged == list(range(81, 280))
    assert "199 of 1000 updates exceed 2/λmax = 8e-05 (λmax 25000): first at update 81, last at 279" in \
        result.stderr


def test_sharpness_in_json_and_on_a_terminal(cli):
    result = cli("table", *LINEAR, "--sharpness", "25000", "--noise-batch", "64", "--format", "json",
                 "--at", "80,81")
    document = json.loads(result.stdout)
    assert [r["unstable"] for r in document["rows"]] == [False, True]
    assert sorted(document["rows"][0]) == ["lr", "noise_batch", "step", "unstable"]
    stability = document["theory"]["stability"]
    assert (stability["first"], stability["last"], stability["unstable"]) == (81, 279, 199)
    terminal = cli("table", *LINEAR, "--sharpness", "25000")
    line = next(li for li in terminal.stdout.splitlines() if li.startswith("│   81 "))
    assert "first > 2/λ" in line and "yes" in line
    assert any(li.startswith("│  279 ") and "last > 2/λ" in li for li in terminal.stdout.splitlines())


def test_saved_table_with_extra_columns_still_diffs(cli, tmp_path):
    saved = tmp_path / "t.csv"
    made = cli("table", *LINEAR, "--noise-batch", "256", "--sharpness", "2e4", "--stepping", "per-update",
               "-o", str(saved))
    assert made.exit_code == 0, made.stderr
    assert saved.read_text().startswith("step,lr,intended,noise_batch,unstable\n")
    same = cli("diff", str(saved), "-", input="kind: linear\nwarmup_steps: 100\nlr: 1e-4\n")
    assert same.exit_code == 0, same.stderr
    different = cli("diff", str(saved), "sample_configs/transformers_example.yaml")
    assert different.exit_code == 1  # the example is a cosine: the file was read as a table of LRs


def test_markdown_columns(cli):
    result = cli("table", *LINEAR, "--stepping", "x2", "--sharpness", "25000", "--format", "markdown",
                 "--at", "50")
    assert result.stdout.splitlines()[:3] == ["| step | lr | intended | unstable |", "|---:|---:|---:|---:|",
                                              "| 50 | 0.0001 | 5e-05 | 1 |"]


# --- plots ---------------------------------------------------------------------------------------------


def test_plot_shows_intended_and_effective_with_a_legend(cli, tmp_path):
    out = tmp_path / "p.svg"
    result = cli("plot", *LINEAR, "--stepping", "per-micro-batch", "--grad-accum", "4", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    for label in ("intended: linear, warmup 100", "effective: stepped per micro-batch (grad_accum 4)",
                  "linear, warmup 100: intended vs stepped per micro-batch (grad_accum 4)",
                  "warmup end @ 25", "warmup end @ 100"):
        assert label in text, label


def test_plot_theory_is_drawn_and_deterministic(cli, tmp_path):
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    for out in (first, second):
        result = cli("plot", *LINEAR, "--noise-batch", "256", "--sharpness", "25000", "-o", str(out))
        assert result.exit_code == 0, result.stderr
    text = first.read_text()
    assert text == second.read_text()
    for label in ("stability bound 2/λmax = 8e-05 (λmax 25000)", "&gt; 2/λmax from update 81 (199 updates)",
                  "noise-equivalent batch B0/α² (B0 = 256)", "B0/α²: linear, warmup 100"):
        assert label in text, label
    assert "199 of 1000 updates exceed" in result.stderr


def test_plot_bound_far_above_the_curves_is_a_remark(cli, tmp_path):
    out = tmp_path / "p.svg"
    assert cli("plot", *LINEAR, "--sharpness", "100", "-o", str(out)).exit_code == 0
    assert "above every curve" in out.read_text()


def test_plot_resume_with_diff_panel(cli, tmp_path):
    out = tmp_path / "p.svg"
    result = cli("plot", *LINEAR, "--resume-at", "500", "--diff", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert "resume @ 500" in text and "difference Δ lr[k]" in text


def test_render_options_carry_the_theory():
    from warmupctl.render.plot import PlotOptions, render_plot

    s = warmupctl.schedule(kind="linear", warmup_steps=10, total_steps=100, lr=1.0)
    plain = render_plot([s], PlotOptions(), "svg").decode()
    assert "noise-equivalent" not in plain and "stability bound" not in plain
    text = render_plot([s], PlotOptions(sharpness=2.5, noise_batch=8, noise_peak=2.0), "svg").decode()
    assert "noise-equivalent batch B0/α² (B0 = 8)" in text and "stability bound 2/λmax = 0.8" in text
    assert "&gt; 2/λmax from update 9 (19 updates)" in text  # 0.8 at update 8 is marginal, not above


# --- where the spec comes from ---------------------------------------------------------------------------


def test_grad_accum_in_the_spec_file_is_the_policys(cli, tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("kind: linear\nwarmup_steps: 100\nlr: 1e-4\ngrad_accum: 4\n")
    result = cli("table", str(spec), "--stepping", "per-micro-batch", "--format", "csv", "--at", "25")
    assert result.exit_code == 0, result.stderr
    assert rows(result.stdout)[1][25]["lr"] == repr(intended(103)[0])
    assert "grad_accum not used" not in result.stderr
    plain = cli("table", str(spec), "--resume-at", "10", "--format", "csv", "--at", "10")
    assert "grad_accum not used" in plain.stderr  # without a stepping policy it is indeed unused


def test_grad_accum_in_a_spec_with_epochs_serves_both(cli):
    # 100 samples ÷ grad_accum 4 = 25 updates per epoch, 10 epochs = 250 updates; stepped per micro-batch.
    result = cli("table", "--kind", "linear", "--dataset-size", "100", "--micro-batch-size", "1",
                 "--grad-accum", "4", "--epochs", "10", "--warmup-steps", "20", "--stepping", "per-micro-batch",
                 "--format", "json", "--at", "5")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["summary"]["total_steps"] == 250
    assert document["rows"][0]["lr"] == warmupctl.schedule(kind="linear", total_steps=250,
                                                           warmup_steps=20)(23)


def test_preset_and_training_config_take_policies(cli):
    preset = cli("table", "--preset", "llama", "--stepping", "x2", "--format", "csv", "--at", "1000")
    assert preset.exit_code == 0, preset.stderr
    assert float(rows(preset.stdout)[1][1000]["lr"]) == pytest.approx(3e-4)
    config = cli("table", "sample_configs/configs/trainer_args.yaml", "--stepping", "per-micro-batch",
                 "--grad-accum", "2", "--format", "csv", "--at", "0")
    assert config.exit_code == 0, config.stderr
    assert float(rows(config.stdout)[1][0]["lr"]) > 0.0  # update 0 reads step 1 of a warmup from 0


def test_stdin_limits_are_explained(cli):
    library = "schedule: transformers.cosine\nlr: 1e-4\nargs: {num_warmup_steps: 10, num_training_steps: 100}\n"
    one_error_line(cli("table", "-", "--stepping", "per-micro-batch", "--grad-accum", "2", input=library),
                   "--grad-accum", "pass the spec as a file")
    one_error_line(cli("table", "-", "--resume-at", "10", "--resume-total", "200",
                       input="kind: linear\nwarmup_steps: 10\n"), "--resume-total", "read once")
