"""Record ``tensorboardx_events.out.tfevents`` with a real writer (run by hand, not by the suite).

    python -m venv /tmp/tb && /tmp/tb/bin/pip install tensorboardX==2.6.5
    /tmp/tb/bin/python tests/data/logs/make_tensorboard.py

tensorboardX's ``SummaryWriter.add_scalar`` writes ``Summary.Value.simple_value`` (float32), as
``torch.utils.tensorboard`` and transformers' ``TensorBoardCallback`` do. Two LR tags are written
(two param groups): ``lr/pg0`` follows ``transformers.linear`` (5 warmup updates, 50 in all, peak
1e-3) at step k = the update, ``lr/pg1`` is ten times smaller; plus a ``loss`` scalar that is not an LR.
"""

import os
import shutil
import tempfile

from tensorboardX import SummaryWriter

HERE = os.path.dirname(os.path.abspath(__file__))
PEAK, WARMUP, TOTAL = 1e-3, 5, 50


def lr(k: int) -> float:
    """transformers' linear schedule with warmup (get_linear_schedule_with_warmup), as Python floats."""
    if k < WARMUP:
        return PEAK * (float(k) / float(max(1, WARMUP)))
    return PEAK * max(0.0, float(TOTAL - k) / float(max(1, TOTAL - WARMUP)))


def main() -> None:
    folder = tempfile.mkdtemp()
    writer = SummaryWriter(folder)
    for k in range(TOTAL):
        writer.add_scalar("loss", 1.0 / (k + 1), k)
        writer.add_scalar("lr/pg0", lr(k), k)
        writer.add_scalar("lr/pg1", lr(k) / 10, k)
    writer.close()
    (name,) = [n for n in os.listdir(folder) if n.startswith("events.out.tfevents")]
    shutil.copyfile(os.path.join(folder, name), os.path.join(HERE, "tensorboardx_events.out.tfevents"))
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
