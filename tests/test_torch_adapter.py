"""warmupctl.torch: a torch scheduler gives the optimizer exactly the table's numbers."""

import pytest

torch = pytest.importorskip("torch")

import warmupctl  # noqa: E402
import warmupctl.torch as wtorch  # noqa: E402

pytestmark = pytest.mark.parity


def run(scheduler_factory, steps: int) -> list[float]:
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.AdamW([param], lr=1e-3)
    scheduler = scheduler_factory(optimizer)
    seen = []
    for _ in range(steps):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return seen


def test_scheduler_reproduces_the_table_exactly():
    spec = {"kind": "cosine", "warmup_steps": 10, "total_steps": 50, "lr": 3e-4, "min_lr": 1e-5}
    want = warmupctl.from_mapping(spec).values(60).tolist()
    assert run(lambda opt: wtorch.scheduler(opt, spec), 60) == want


def test_lr_lambda_matches_to_an_ulp():
    spec = {"kind": "linear", "warmup_steps": 5, "total_steps": 20, "lr": 1e-3}
    want = warmupctl.from_mapping(spec).values(20)
    got = run(lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, wtorch.lr_lambda(spec, 1e-3)), 20)
    assert got == pytest.approx(want.tolist(), rel=1e-15, abs=1e-20)


def test_spec_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("kind: constant\nwarmup_steps: 2\ntotal_steps: 4\nlr: 1e-3\n")
    assert run(lambda opt: wtorch.scheduler(opt, str(path)), 4) == [0.0, 5e-4, 1e-3, 1e-3]
