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


def _trained(spec, steps: int):
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.AdamW([param], lr=1e-3)
    scheduler = wtorch.scheduler(optimizer, spec)
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
    return optimizer, scheduler


@pytest.mark.parametrize("spec", [
    {"kind": "cosine", "warmup_steps": 10, "total_steps": 50, "lr": 3e-4},
    {"kind": "multistep", "milestones": [20, 30], "total_steps": 50, "warmup_steps": 5},
    {"schedule": "torch.OneCycleLR", "args": {"max_lr": 1e-3, "total_steps": 50}},
    {"schedule": "torch.SequentialLR", "lr": 1e-3, "args": {"milestones": [5], "schedulers": [
        {"schedule": "torch.LinearLR", "args": {"start_factor": 0.1, "total_iters": 5}},
        {"schedule": "torch.CosineAnnealingLR", "args": {"T_max": 45}}]}},
])
def test_checkpoint_loads_with_weights_only(tmp_path, spec):
    optimizer, scheduler = _trained(spec, 17)
    path = tmp_path / "checkpoint.pt"
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, path)
    checkpoint = torch.load(path, weights_only=True)  # torch's default since 2.6
    assert checkpoint["scheduler"]["last_epoch"] == 17
    assert checkpoint["scheduler"][wtorch.SPEC_KEY] == wtorch.plain(scheduler.schedule.spec)

    resumed_opt, resumed = _trained(spec, 0)
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    resumed.load_state_dict(checkpoint["scheduler"])
    want = warmupctl.from_mapping(spec).values(30).tolist()
    seen = []
    for _ in range(13):
        seen.append(resumed_opt.param_groups[0]["lr"])
        resumed_opt.step()
        resumed.step()
    assert seen == want[17:30]


def test_loading_another_specs_checkpoint_warns():
    _, scheduler = _trained({"kind": "cosine", "total_steps": 50}, 3)
    _, other = _trained({"kind": "linear", "total_steps": 50}, 0)
    with pytest.warns(UserWarning, match="the checkpoint's scheduler followed another spec"):
        other.load_state_dict(scheduler.state_dict())
    assert other.last_epoch == 3


def test_plain_state_has_no_objects():
    _, scheduler = _trained({"kind": "wsd", "total_steps": 50}, 2)

    def kinds(value):
        if isinstance(value, dict):
            return set().union(*(kinds(v) for v in value.values()), {dict})
        if isinstance(value, list):
            return set().union(*(kinds(v) for v in value), {list})
        return {type(value)}

    assert kinds(scheduler.state_dict()) <= {dict, list, str, int, float, bool, type(None)}
