"""Files that start a run but hold no schedule (tests/configs_pretrain/real/jobs, provenance in the
README beside them): each is refused with one line saying where the schedule of that run comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

JOBS = Path(__file__).resolve().parent / "real" / "jobs"
GIVE = "the schedule comes from the arguments of the program it runs"


@pytest.mark.parametrize(("name", "line"), [
    ("accelerate_multi_gpu.yaml",
     "is an accelerate launch config: it sets 8 processes and no mixed precision, not the LR; the schedule "
     "comes from the training script's arguments — give those, with --devices 8"),
    ("accelerate_deepspeed_zero3.yaml",
     "is an accelerate launch config: it sets 8 processes and fp16 mixed precision, not the LR; the "
     "schedule comes from the training script's arguments — give those, with --devices 8"),
    ("ds_z3_config.json",
     "scheduler: has no scheduler block: the schedule comes from the client (e.g. the HF Trainer's "
     "lr_scheduler_type); give the trainer's arguments with --deepspeed {path}: warmupctl table ARGS.yaml "
     "--deepspeed {path}"),
    ("alignment_handbook_launch.slurm",
     'is a SLURM batch script that runs no training command warmupctl reads (line 168: clear; srun '
     '$SRUN_ARGS bash -c "$LAUNCHER $CMD" 2>&1); the schedule comes from the arguments of the program it '
     "launches — give those; warmupctl reads the command lines of Megatron-LM (pretrain_*.py, train*.py) "
     "and fairseq-train, nothing is executed"),
    ("kubeflow_pytorchjob_simple.yaml",
     f"is a Kubernetes PyTorchJob (replicas: Master 1, Worker 1): it starts containers, it holds no LR; "
     f"{GIVE} (python3 /opt/mnist/src/mnist.py --epochs=1) — give those"),
    ("rayjob_pytorch_text_classifier.yaml",
     f"is a Kubernetes RayJob: it starts containers, it holds no LR; {GIVE} (python ray-operator/config/"
     "samples/pytorch-text-classifier/fine-tune-pytorch-text-classifier.py) — give those"),
    ("skypilot_distributed_pytorch.yaml",
     f"is a SkyPilot task (2 nodes, accelerators L4): its run: commands start the training, it holds no "
     f"LR; {GIVE} (torchrun ... main.py || exit 1) — give those"),
    ("hostfile",
     "is a hostfile (DeepSpeed, MPI): 4 hosts with 15 slots, the processes of the run; it holds no LR; the "
     "schedule comes from the arguments of the program the launcher runs (deepspeed --hostfile {path} "
     "train.py ...) — give those, with --devices 15"),
])
@pytest.mark.parametrize("command", ["table", "import"])
def test_a_job_file_says_where_the_schedule_comes_from(cli, name, line, command):
    path = str(JOBS / name)
    result = cli(command, path)
    assert result.exit_code == 2
    assert result.stderr == f"error: {path}: {line.format(path=path)}\n"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(("text", "line"), [
    ("cluster_name: gpu\nprovider:\n  type: aws\nmax_workers: 2\n",
     "is a Ray cluster config: it sets the machines, it holds no LR; the schedule comes from the arguments "
     "of the job submitted to the cluster — give those"),
    ("entrypoint: python train.py --lr 1e-4\nworking_dir: .\n",
     f"is a Ray job: its entrypoint starts the training, it holds no LR; {GIVE} (python train.py --lr "
     "1e-4) — give those"),
    ("compute_environment: LOCAL_MACHINE\ndistributed_type: DEEPSPEED\ndeepspeed_config:\n"
     "  deepspeed_config_file: ds.json\n",
     "is an accelerate launch config: it sets the processes and the precision, not the LR; the schedule "
     "comes from the training script's arguments — give those; its DeepSpeed config goes with them: "
     "--deepspeed ds.json"),
    ("apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n"
     "      - command: [torchrun, train.py]\n        args: [--config, c.yaml]\n",
     f"is a Kubernetes Job: it starts containers, it holds no LR; {GIVE} (torchrun train.py --config "
     "c.yaml) — give those"),
])
def test_other_job_files(tmp_path, cli, text, line):
    path = write(tmp_path, "job.yaml", text)
    result = cli("table", path)
    assert result.exit_code == 2
    assert result.stderr == f"error: {path}: {line}\n"


def test_a_script_without_sbatch_names_its_launching_line(tmp_path, cli):
    path = write(tmp_path, "run.sh", "export NCCL_DEBUG=INFO\ntorchrun --nproc_per_node 8 \\\n"
                                     "  finetune.py --config cfg.yaml\necho done\n")
    result = cli("table", path)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {path}: is a shell script that runs no training command warmupctl reads (line 2: "
        "torchrun ... finetune.py --config cfg.yaml); the schedule comes from the arguments of the "
        "program it launches — give those;")


def test_a_quoted_word_over_several_lines_is_one_word(tmp_path):
    """``ARGS="--lr 1e-4\\n--train-iters 10"``: bash keeps the newline inside the quotes."""
    from warmupctl.spec.configs.shell import parse_script

    text = 'LR="1e-4"\nEXTRA="--min-lr 1e-5\n  --lr-decay-style cosine"\npython pretrain_gpt.py --lr $LR $EXTRA\n'
    assert parse_script(text, "x.sh") == {"--lr": 1e-4, "--min-lr": 1e-5, "--lr-decay-style": "cosine"}


def test_text_that_is_not_a_hostfile_keeps_its_yaml_error(tmp_path, cli):
    path = write(tmp_path, "notes.yaml", "node1 slots=8\nsomething else\n")
    result = cli("table", path)
    assert result.exit_code == 2
    assert "the top level is a string, not a mapping of keys" in result.stderr


def test_a_hostfile_with_comments(tmp_path, cli):
    path = write(tmp_path, "hosts", "# two nodes\nworker-1 slots=4\n\nworker-2 slots=4  # second\n")
    result = cli("table", path)
    assert result.exit_code == 2
    assert ": is a hostfile (DeepSpeed, MPI): 2 hosts with 8 slots" in result.stderr


def test_a_gin_file_is_refused_in_one_line(cli):
    path = str(Path(__file__).resolve().parent / "real" / "t5x" / "pretrain.gin")
    result = cli("table", path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: is a gin config (t5x) (it binds utils.create_learning_rate_scheduler): warmupctl "
        "does not read gin bindings; gin resolves its factors, base_learning_rate and warmup_steps with its "
        "includes and macros (TRAIN_STEPS); write the schedule as a warmupctl spec\n")
