"""Files that start a run but hold no schedule: launch configs, job files, hostfiles.

People hand warmupctl the file they start a run with. These files set the processes, the machines,
the precision or the command, never the learning rate; each is recognized on keys of its own and
refused with one line saying where the schedule of that run comes from:

* an accelerate launch config (``accelerate config`` writes ``compute_environment``,
  ``distributed_type``, ``mixed_precision``, ``num_processes`` ...; accelerate 1.x
  ``commands/config/config_args.py``, ``ClusterConfig``): ``num_processes`` is the processes of all
  machines together, what ``--devices`` gives a trainer's config;
* a Kubernetes manifest (``apiVersion`` and ``kind``: a Kubeflow ``PyTorchJob`` with its
  ``pytorchReplicaSpecs``, a KubeRay ``RayJob`` with its ``entrypoint``, a ``Job`` ...): the
  containers' command is named;
* a SkyPilot task (``run:`` with ``resources:``, ``setup:``, ``num_nodes:`` ...; SkyPilot's task YAML
  spec) and a Ray cluster launcher config (``cluster_name`` with ``provider``/``available_node_types``)
  or Ray job file (``entrypoint`` with ``runtime_env``, ``compute_config`` ...);
* a hostfile (``worker-1 slots=8`` lines: DeepSpeed's ``deepspeed/launcher/runner.py``
  ``_parse_hostfile`` reads ``hostname slots=N``, as OpenMPI's hostfiles are written);
* a shell script (a SLURM ``#SBATCH`` script) that runs no training command warmupctl reads: its
  launching line is named (:func:`script_refusal`, called by :mod:`.shell`);
* a gin file (``.gin``, t5x): refused whole (:func:`gin_refusal`), gin resolves its bindings.

A DeepSpeed config without a ``scheduler`` block is refused the same way by :mod:`.deepspeed`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from warmupctl.core.errors import SpecError
from warmupctl.core.vocabulary import KEYS
from warmupctl.spec.configs import _kit as kit

#: Where the schedule of a launched run comes from, the start of every hint here.
FROM_PROGRAM = "the schedule comes from the arguments of the program it runs"
#: Words that start a training program (what a launching line of a job holds).
LAUNCH_WORDS = frozenset({"torchrun", "python", "python3", "deepspeed", "srun", "mpirun", "accelerate",
                          "composer", "tune", "llamafactory-cli", "axolotl", "fairseq-train"})
_LONGEST = 120  # characters of a command quoted in a message


def _short(command: str) -> str:
    """A command on one line, the launcher's own flags elided, cut to a readable length."""
    words = command.replace("\\\n", " ").split()
    program = next((i for i, w in enumerate(words) if w.endswith(".py")), None)
    if program is not None and program > 1:
        words = [words[0], "...", *words[program:]]
    text = " ".join(words)
    return text if len(text) <= _LONGEST else text[:_LONGEST - 3].rstrip() + "..."


def _give(command: str | None, devices: int | None = None) -> str:
    where = f"{FROM_PROGRAM} ({_short(command)})" if command else FROM_PROGRAM
    return where + " — give those" + (f", with --devices {devices}" if devices else "")


def _count(value: Any) -> int | None:
    """A whole number written as a number or a numeric string (YAML keeps ``"8"`` a string)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# -- accelerate ------------------------------------------------------------------------------------

ACCELERATE_MARKERS = frozenset({"compute_environment", "distributed_type"})


def _accelerate(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    processes = _count(mapping.get("num_processes"))
    precision = mapping.get("mixed_precision")
    sets = [f"{processes} processes" if processes else "the processes"]
    if precision in (None, "no", False):
        sets.append("no mixed precision" if precision is not None else "the precision")
    else:
        sets.append(f"{precision} mixed precision")
    hint = "the schedule comes from the training script's arguments — give those"
    if processes:
        hint += f", with --devices {processes}"
    deepspeed = mapping.get("deepspeed_config")
    if isinstance(deepspeed, Mapping) and deepspeed.get("deepspeed_config_file"):
        hint += (f"; its DeepSpeed config goes with them: --deepspeed "
                 f"{deepspeed['deepspeed_config_file']}")
    raise SpecError(f"is an accelerate launch config: it sets {' and '.join(sets)}, not the LR",
                    hint=hint)


# -- Kubernetes ------------------------------------------------------------------------------------

def _kubernetes_claim(mapping: Mapping[str, Any]) -> str | None:
    if isinstance(mapping.get("apiVersion"), str) and isinstance(mapping.get("kind"), str):
        return "apiVersion, kind"
    return None


def _container_command(node: Any) -> str | None:
    """The first container command (``command`` + ``args``) or ``entrypoint`` in a manifest."""
    if isinstance(node, Mapping):
        if isinstance(node.get("entrypoint"), str):
            return str(node["entrypoint"])
        command = node.get("command")
        if isinstance(command, (list, str)):
            words = [command] if isinstance(command, str) else [str(w) for w in command]
            args = node.get("args")
            words += [args] if isinstance(args, str) else [str(w) for w in args or ()]
            return " ".join(words)
        children: list[Any] = list(node.values())
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _container_command(child)
        if found:
            return found
    return None


def _replicas(spec: Any) -> str:
    """``Master 1, Worker 3`` from a Kubeflow job's ``*ReplicaSpecs``."""
    if not isinstance(spec, Mapping):
        return ""
    for key, groups in spec.items():
        if str(key).endswith("ReplicaSpecs") and isinstance(groups, Mapping):
            parts = [f"{name} {group.get('replicas', 1)}" for name, group in groups.items()
                     if isinstance(group, Mapping)]
            return " (replicas: " + ", ".join(parts) + ")" if parts else ""
    return ""


def _kubernetes(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    kind = str(mapping["kind"])
    raise SpecError(f"is a Kubernetes {kind}{_replicas(mapping.get('spec'))}: it starts containers, "
                    "it holds no LR", hint=_give(_container_command(mapping.get("spec"))))


# -- SkyPilot and Ray ------------------------------------------------------------------------------

_SKYPILOT = frozenset({"resources", "setup", "num_nodes", "workdir", "file_mounts", "envs"})


def _skypilot_claim(mapping: Mapping[str, Any]) -> str | None:
    own = sorted(str(key) for key in mapping if key in _SKYPILOT)
    return ", ".join(["run", *own]) if isinstance(mapping.get("run"), str) and own else None


def launch_line(text: str) -> tuple[int, str] | None:
    """The last statement of a shell text that starts a program (``srun``, ``torchrun``, a ``.py``)."""
    from warmupctl.spec.configs.shell import statements

    found = None
    for line, stmt in statements(text):
        if stmt.lstrip().startswith("#"):
            continue
        words = re.findall(r"[^\s;|&()\"']+", stmt)
        if any(w.rsplit("/", 1)[-1] in LAUNCH_WORDS or w.endswith(".py") for w in words):
            found = (line, stmt.strip())
    return found


def _skypilot(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    nodes = _count(mapping.get("num_nodes"))
    resources = mapping.get("resources")
    accelerators = resources.get("accelerators") if isinstance(resources, Mapping) else None
    what = ", ".join(x for x in (f"{nodes} nodes" if nodes else "",
                                 f"accelerators {accelerators}" if accelerators else "") if x)
    launch = launch_line(str(mapping["run"]))
    raise SpecError(f"is a SkyPilot task{f' ({what})' if what else ''}: its run: commands start the "
                    "training, it holds no LR", hint=_give(launch[1] if launch else None))


_RAY_CLUSTER = frozenset({"provider", "available_node_types", "head_node_type"})
_RAY_JOB = frozenset({"runtime_env", "compute_config", "working_dir", "image_uri", "requirements"})


def _ray_claim(mapping: Mapping[str, Any]) -> str | None:
    keys = {str(key) for key in mapping}
    if "cluster_name" in keys and keys & _RAY_CLUSTER:
        return ", ".join(["cluster_name", *sorted(keys & _RAY_CLUSTER)])
    if isinstance(mapping.get("entrypoint"), str) and keys & _RAY_JOB:
        return ", ".join(["entrypoint", *sorted(keys & _RAY_JOB)])
    return None


def _ray(mapping: Mapping[str, Any], request: kit.Request) -> kit.Translation:
    if "cluster_name" in mapping:
        raise SpecError("is a Ray cluster config: it sets the machines, it holds no LR",
                        hint="the schedule comes from the arguments of the job submitted to the cluster "
                             "— give those")
    raise SpecError("is a Ray job: its entrypoint starts the training, it holds no LR",
                    hint=_give(str(mapping["entrypoint"])))


# -- hostfiles and scripts (not mappings: called by the readers of those files) --------------------

_HOST = re.compile(r"^(\S+)\s+slots\s*=\s*(\d+)\s*$")


def hostfile_refusal(text: str, source: str) -> SpecError | None:
    """The refusal of a hostfile (``host slots=N`` lines, ``#`` comments), or None for other text."""
    hosts = []
    for line in text.splitlines():
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        match = _HOST.match(body)
        if match is None:
            return None
        hosts.append(int(match.group(2)))
    if not hosts:
        return None
    slots = sum(hosts)
    return SpecError(f"is a hostfile (DeepSpeed, MPI): {len(hosts)} hosts with {slots} slots, the "
                     "processes of the run; it holds no LR",
                     source=source, hint=FROM_PROGRAM.replace("it runs", "the launcher runs")
                     + f" (deepspeed --hostfile {source} train.py ...) — give those, with --devices {slots}")


_GIN_SCHEDULE = re.compile(r"create_learning_rate_scheduler[.:]")


def gin_refusal(text: str, source: str) -> SpecError:
    """The refusal of a gin file (t5x): its bindings are Python calls gin evaluates, not read here."""
    says = " (it binds utils.create_learning_rate_scheduler)" if _GIN_SCHEDULE.search(text) else ""
    return SpecError(f"is a gin config (t5x){says}: warmupctl does not read gin bindings", source=source,
                     hint="gin resolves its factors, base_learning_rate and warmup_steps with its includes "
                          "and macros (TRAIN_STEPS); write the schedule as a warmupctl spec")


def script_refusal(text: str, source: str) -> SpecError:
    """The refusal of a shell script that runs no training command warmupctl reads."""
    slurm = any(line.startswith("#SBATCH") for line in text.splitlines())
    what = "a SLURM batch script" if slurm else "a shell script"
    launch = launch_line(text)
    runs = f" (line {launch[0]}: {_short(launch[1])})" if launch else ""
    return SpecError(f"is {what} that runs no training command warmupctl reads{runs}", source=source,
                     hint=f"{FROM_PROGRAM.replace('it runs', 'it launches')} — give those; warmupctl "
                          "reads the command lines of Megatron-LM (pretrain_*.py, train*.py) and "
                          "fairseq-train, nothing is executed")


for _name, _title, _claim, _translate, _markers in (
    ("accelerate_config", "accelerate launch config", kit.marker_claim(ACCELERATE_MARKERS), _accelerate,
     ACCELERATE_MARKERS),
    ("kubernetes", "Kubernetes manifest", _kubernetes_claim, _kubernetes, frozenset({"apiVersion"})),
    ("skypilot", "SkyPilot task", _skypilot_claim, _skypilot, frozenset({"run"})),
    ("ray", "Ray job or cluster config", _ray_claim, _ray, frozenset({"cluster_name", "entrypoint"})),
):
    # shared: a job file is refused whole, so warmupctl's own keys in it (kind:, name:) are no mix
    kit.register(kit.ConfigFormat(_name, _title, _claim, _translate, markers=_markers,
                                  shared=frozenset(KEYS)))
