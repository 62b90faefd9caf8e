"""Byte-identical artifacts, as a golden in CI needs: CSV and JSON pinned byte for byte, and the same
SVG and PNG from separate processes with different hash seeds."""

import os
import subprocess
import sys

import pytest

# A linear warmup over 2 of 5 updates to lr 1.0, then a linear decay: small enough to read.
SMALL = ("--kind", "linear", "--warmup-steps", "2", "--total-steps", "5", "--lr", "1.0")

PINNED_CSV = (
    b"step,lr\n"
    b"0,0.0\n"
    b"1,0.5\n"
    b"2,1.0\n"
    b"3,0.6666666666666666\n"
    b"4,0.3333333333333333\n"
)

PINNED_JSON = (
    b'{\n'
    b'"format_version": 1,\n'
    b'"label": "linear, warmup 2",\n'
    b'"rows": [\n'
    b'{"lr": 0.0, "step": 0},\n'
    b'{"lr": 0.5, "step": 1},\n'
    b'{"lr": 1.0, "step": 2},\n'
    b'{"lr": 0.6666666666666666, "step": 3},\n'
    b'{"lr": 0.3333333333333333, "step": 4}\n'
    b'],\n'
    b'"source": "warmupctl native",\n'
    b'"spec": {"init_lr": 0.0, "kind": "linear", "lr": 1.0, "min_lr": 0.0, "step_offset": 0, '
    b'"total_steps": 5, "warmup_shape": "linear", "warmup_steps": 2},\n'
    b'"summary": {"final_lr": 0.3333333333333333, "final_step": 4, "first_lr": 0.0, '
    b'"label": "linear, warmup 2", "lr_sum": 2.5, "mean_lr": 0.5, "min_lr": 0.0, "min_step": 0, '
    b'"notes": ["update 0 gets LR 0: the first update does not move the weights"], "peak_lr": 1.0, '
    b'"peak_step": 2, "total_steps": 5, "warmup_end_lr": 1.0, "warmup_steps": 2}\n'
    b'}\n'
)


@pytest.mark.parametrize(("fmt", "pinned"), [("csv", PINNED_CSV), ("json", PINNED_JSON)])
def test_machine_formats_are_pinned(cli, tmp_path, fmt, pinned):
    on_stdout = cli("table", *SMALL, "--format", fmt)
    assert on_stdout.exit_code == 0, on_stdout.stderr
    assert on_stdout.stdout_bytes == pinned
    out = tmp_path / f"t.{fmt}"
    assert cli("table", *SMALL, "-o", str(out)).exit_code == 0  # the format from the suffix
    assert out.read_bytes() == pinned


def test_every_float_round_trips_in_csv(cli):
    """Shortest round-trip text: float(cell) is the float64 the engine computed, bit for bit."""
    import warmupctl

    args = ("--kind", "cosine", "--warmup-shape", "smooth", "--ratio", "0.07", "--total-steps", "997")
    cells = cli("table", *args, "--format", "csv").stdout.splitlines()[1:]
    values = warmupctl.schedule(kind="cosine", warmup_shape="smooth", ratio=0.07, total_steps=997)
    assert [float(line.split(",")[1]) for line in cells] == values.values().tolist()


def test_artifacts_are_identical_across_processes(tmp_path):
    """The same plot (two specs and the --diff panel) rendered by separate ``python -m warmupctl``
    processes with different hash seeds, as SVG and as PNG; all four start at once, so the test costs
    about two processes' time. CSV and JSON need no process of their own: their bytes are pinned
    above, which no process can pass with other bytes."""
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text("kind: cosine\nwarmup_steps: 100\ntotal_steps: 1000\nlr: 1e-4\n")
    new.write_text("kind: cosine\nwarmup_steps: 101\ntotal_steps: 1000\nlr: 1e-4\nmin_lr: 1e-6\n")
    plot = ("plot", str(old), str(new), "--diff", "--dpi", "40", "-o")
    commands = {"svg": plot, "png": plot}
    running = []
    for run in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": run}
        for fmt, args in commands.items():
            out = tmp_path / f"{run}.{fmt}"
            process = subprocess.Popen([sys.executable, "-m", "warmupctl", *args, str(out)], env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            running.append((process, out))
    for process, out in running:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        assert out.stat().st_size > 0
    for fmt in commands:
        first, second = ((tmp_path / f"{run}.{fmt}").read_bytes() for run in ("1", "2"))
        assert first == second, f"{fmt} differs between two processes"
    assert (tmp_path / "1.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = (tmp_path / "1.svg").read_text()
    assert "difference Δ lr[k]" in svg and "<dc:date>" not in svg
