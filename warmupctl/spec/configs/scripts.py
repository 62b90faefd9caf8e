"""Training runs kept as code: which reader a ``.sh`` or ``.py`` file goes to (nothing is executed).

* shell scripts (``.sh``, ``.bash``, or a ``#!`` first line): the arguments of the training command
  (:mod:`warmupctl.spec.configs.shell`), read as Megatron-LM or fairseq arguments; a
  ``fairseq-hydra-train`` command gives the YAML it names, with its overrides
  (:func:`warmupctl.spec.configs.fairseq.hydra_mapping`);
* ``.py`` files: MMEngine (OpenMMLab) configs, read as literal assignments with :mod:`ast`
  (:mod:`warmupctl.spec.configs.mmengine_py`).
"""

from __future__ import annotations

from typing import Any


def parse_script_file(text: str, source: str, path: str | None) -> dict[str, Any]:
    """The mapping a script or Python config holds, for the config formats to claim."""
    if source.lower().endswith(".py"):
        from warmupctl.spec.configs.mmengine_py import parse_python_config

        return parse_python_config(text, source, path)
    from warmupctl.spec.configs.shell import find_command, parse_script

    command = find_command(text, source)
    if command is not None and command.program == "fairseq-hydra-train":
        from warmupctl.spec.configs.fairseq import hydra_mapping

        return hydra_mapping(command.words, source, path)
    return parse_script(text, source)
