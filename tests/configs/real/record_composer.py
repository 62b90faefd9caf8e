"""Record the LR Composer's own Trainer gives the real Composer/llm-foundry configs of cases.yaml.

For each case whose schedule is ``composer.*``, warmupctl's translation gives the scheduler, its
arguments and the Trainer's facts (max_duration, batches per epoch, samples and tokens per batch:
cases.yaml checks the run length and warmup they give against the hand derivation); the values come
from Composer's own Trainer and scheduler over that run, replayed batch by batch without the forward
and backward passes (``replay`` in tests/configs/goldens/record_composer.py, checked there to equal
``Trainer.fit()`` on every golden case; its docstring says how mosaicml 0.32.1 was installed). Run from the repository root::

    PYTHONPATH=. python tests/configs/real/record_composer.py > /tmp/composer_real.json

and copy each case's ``lr`` mapping into cases.yaml (it is kept there, next to its derivation).
"""

import json
import pathlib
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "goldens"))
import record_composer as composer  # noqa: E402

from warmupctl.spec.resolve import import_config  # noqa: E402


def main():
    out = {}
    for case in yaml.safe_load((HERE / "cases.yaml").read_text()):
        if not str(case.get("schedule", "")).startswith("composer."):
            continue
        given = {flag.lstrip("-").replace("-", "_"): value for flag, value in zip(case["args"][::2],
                                                                                   case["args"][1::2])}
        translation, _ = import_config(str(HERE / case["file"]), given)
        lr = composer.replay(dict(translation.spec))
        n, w = case["total_steps"], case["warmup_steps"]
        assert len(lr) == n, (case["file"], len(lr), n)
        ks = sorted({k for k in (0, 1, 2, w - 1, w, w + 1, n // 2, n - 1) if 0 <= k < n})
        out[f"{case['file']} {' '.join(case['args'])}".strip()] = {str(k): lr[k] for k in ks}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
