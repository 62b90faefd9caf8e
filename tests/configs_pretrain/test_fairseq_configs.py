"""fairseq configs: hydra YAML and fairseq-train command lines onto warmupctl's fairseq schedules.

Real files in real/fairseq (provenance in real/README.md: fairseq v0.12.2). The LRs are restated by
hand from fairseq 0.12.2 ``fairseq/optim/lr_scheduler/*.py`` (``step_update(num_updates)``, called by
``Trainer.lr_step_update`` after every update, so update k runs at ``step_update(k)``).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from warmupctl.core.errors import SpecError
from warmupctl.spec.resolve import load_spec

REAL = Path(__file__).resolve().parent / "real" / "fairseq"


def refusal(path: Path, text: str) -> str:
    """The one-line error of loading ``text`` written at ``path``."""
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(str(path))
    return str(info.value)


def polynomial(n: int, lr: float, warmup: int, total: int, end: float = 0.0, power: float = 1.0) -> float:
    """PolynomialDecayLRSchedule.step_update."""
    if warmup > 0 and n <= warmup:
        return n / float(warmup) * lr
    if n >= total:
        return end
    return (lr - end) * (1 - (n - warmup) / (total - warmup)) ** power + end


def inverse_sqrt(n: int, lr: float, warmup: int) -> float:
    """InverseSquareRootSchedule.step_update (warmup_init_lr 0)."""
    if n < warmup:
        return 0 + n * ((lr - 0) / warmup)
    return lr * warmup**0.5 * n**-0.5


@pytest.mark.parametrize(("name", "lr", "warmup", "total", "run"), [
    # lr: [0.0005], warmup_updates 10000, max_update 125000 (total_num_update defaults to it)
    ("roberta_pretraining_base.yaml", 0.0005, 10000, 125000, 125000),
    ("wav2vec2_base_librispeech.yaml", 0.0005, 32000, 400000, 400000),
    # max_update 2036 with max_epoch 10 (noted)
    ("roberta_finetuning_rte.yaml", 2e-05, 122, 2036, 2036),
    # TOTAL_NUM_UPDATES=20000 WARMUP_UPDATES=500 LR=3e-05, no --max-update: the decay's end
    ("bart_cnn_dm_finetune.sh", 3e-05, 500, 20000, 20000),
    ("mbart_en_ro_finetune.sh", 3e-05, 2500, 40000, 40000),
])
def test_polynomial_decay_files(name, lr, warmup, total, run):
    schedule = load_spec(str(REAL / name))
    assert schedule.total_steps == run
    steps = [0, 1, warmup - 1, warmup, warmup + 1, total // 2, total - 1]
    assert schedule(steps).tolist() == pytest.approx([polynomial(n, lr, warmup, total) for n in steps],
                                                     rel=1e-12, abs=1e-20)


def test_wav2vec2_finetuning_tri_stage_from_phase_ratio():
    schedule = load_spec(str(REAL / "wav2vec2_finetuning_base_10h.yaml"))
    lr, total = 5e-05, 20000
    warmup, hold, decay = int(total * 0.1), int(total * 0.4), int(total * 0.5)
    init, final = 0.01 * lr, 0.05 * lr
    rate, factor = (lr - init) / warmup, -math.log(0.05) / decay

    def tri(n: int) -> float:
        if n < warmup:
            return init + rate * n
        if n < warmup + hold:
            return lr
        if n <= warmup + hold + decay:
            return lr * math.exp(-factor * (n - warmup - hold))
        return final

    steps = [0, 1, 1999, 2000, 9999, 10000, 15000, 19999]
    assert schedule.total_steps == total
    assert schedule(steps).tolist() == pytest.approx([tri(n) for n in steps], rel=1e-12)


def test_iwslt_transformer_command_needs_a_bound(cli):
    path = str(REAL / "translation_iwslt14_transformer.sh")
    refused = cli("summary", path)
    assert refused.exit_code == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        f"error: {path}: optimization.max_update: fairseq.inverse_sqrt has no natural end, so the run "
        "length is unknown; fairseq runs max_update updates (0: no limit): set it, or pass --total-steps N")
    table = cli("table", path, "--total-steps", "300000", "--at", "0,1,3999,4000,100000", "-f", "csv")
    assert table.exit_code == 0, table.stderr
    got = [float(line.split(",")[1]) for line in table.stdout.strip().splitlines()[1:]]
    assert got == pytest.approx([inverse_sqrt(n, 5e-4, 4000) for n in (0, 1, 3999, 4000, 100000)],
                                rel=1e-12)


def test_fconv_force_anneal_is_refused():
    with pytest.raises(SpecError) as info:
        load_spec(str(REAL / "translation_fconv_wmt_en_de.sh"))
    assert str(info.value).startswith(f"{REAL / 'translation_fconv_wmt_en_de.sh'}: --force-anneal: "
                                      "epoch-based annealing is not modelled (got 50)")


def test_hydra_train_names_the_yaml_it_cannot_find():
    with pytest.raises(SpecError) as info:
        load_spec(str(REAL / "roberta_pretraining_hydra.sh"))
    assert str(info.value) == (
        f"{REAL / 'roberta_pretraining_hydra.sh'}: runs fairseq-hydra-train on "
        "examples/roberta/config/pretraining/base.yaml, which is not beside it (got "
        "'examples/roberta/config/pretraining/base.yaml'); import "
        "examples/roberta/config/pretraining/base.yaml itself (add the command's overrides: "
        "task.data=data-bin/wikitext-103)")


def test_hydra_train_reads_the_yaml_beside_it_with_overrides(tmp_path, cli):
    folder = tmp_path / "examples" / "roberta" / "config" / "pretraining"
    folder.mkdir(parents=True)
    (folder / "base.yaml").write_text((REAL / "roberta_pretraining_base.yaml").read_text())
    script = tmp_path / "run.sh"
    script.write_text((REAL / "roberta_pretraining_hydra.sh").read_text().replace(
        "task.data=$DATA_DIR", "task.data=$DATA_DIR optimization.max_update=50000 "
        "lr_scheduler.warmup_updates=1000"))
    schedule = load_spec(str(script))
    assert schedule.total_steps == 50000
    assert schedule([500, 1000, 25000]).tolist() == pytest.approx(
        [polynomial(n, 0.0005, 1000, 50000) for n in (500, 1000, 25000)], rel=1e-12)
    assert any("fairseq-hydra-train runs" in note and "base.yaml" in note for note in schedule.notes)


def test_flags_map_onto_the_hydra_keys(tmp_path):
    script = tmp_path / "train.sh"
    message = refusal(script, "fairseq-train data-bin/x --arch transformer --lr 0.001,0.002 "
                              "--lr-scheduler cosine --warmup-updates 10 --max-update 100\n")
    # fairseq's cosine refuses a list of LRs (ValueError), reported on the flag that gave it
    assert message.startswith(f"{script}: --lr: Cannot use a fixed learning rate schedule with cosine")


def test_python_train_py_in_a_checkout_and_update_freq_note(tmp_path):
    script = tmp_path / "run.sh"
    script.write_text("LR=0.0007\npython train.py data-bin/wmt --arch transformer_wmt_en_de "
                      "--lr $LR --lr-scheduler inverse_sqrt --warmup-updates 4000 --max-update 300000 "
                      "--update-freq 8 --max-tokens 3584\n")
    schedule = load_spec(str(script))
    assert schedule.total_steps == 300000
    assert schedule([4000])[0] == pytest.approx(0.0007, rel=1e-12)
    assert ("update_freq [8]: one optimizer update per 8 batches (the scheduler counts updates)"
            in schedule.notes)


@pytest.mark.parametrize(("text", "message"), [
    ("optimization: {max_epoch: 5, lr: [0.1]}\nlr_scheduler: {_name: inverse_sqrt}\n"
     "dataset: {max_tokens: 4096}\n",
     "command line: --total-steps: the run is max_epoch 5 epochs, whose updates fairseq counts from "
     "the batches of the data (max_tokens 4096); pass --total-steps N: the num_updates fairseq logs at "
     "the end of training (or max_epoch × the updates of one epoch it logs)"),
    ("optimization: {max_update: 50, lr: [0.1]}\nlr_scheduler: {_name: reduce_lr_on_plateau}\n",
     "F: lr_scheduler._name: follows the validation loss, which no config holds (got "
     "'reduce_lr_on_plateau'); fairseq's reduce_lr_on_plateau shrinks the LR when the loss stops "
     "improving; warmupctl cannot know when: compare with the run's log (--actual)"),
])
def test_refusals(tmp_path, text, message):
    path = tmp_path / "F"
    assert refusal(path, text) == message.replace("F: ", f"{path}: ")


def test_epochs_with_total_steps(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("optimization: {max_epoch: 5, lr: [0.1]}\nlr_scheduler: {_name: inverse_sqrt, "
                    "warmup_updates: 4}\n")
    schedule = load_spec(str(path), {"total_steps": 40})
    assert schedule.total_steps == 40
    assert schedule([2, 4, 16]).tolist() == pytest.approx([0.05, 0.1, 0.05], rel=1e-12)


def test_no_lr_scheduler_is_fixed_and_default_lr(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("common: {fp16: true}\ntask: {_name: translation}\noptimization: {max_update: 9}\n")
    schedule = load_spec(str(path))
    assert schedule.values(9).tolist() == [0.25] * 9
    assert "no optimization.lr: fairseq's default is [0.25]" in schedule.notes


@pytest.mark.parametrize("name", ["roberta_pretraining_base.yaml", "wav2vec2_base_librispeech.yaml",
                                  "roberta_finetuning_rte.yaml", "wav2vec2_finetuning_base_10h.yaml",
                                  "bart_cnn_dm_finetune.sh", "mbart_en_ro_finetune.sh",
                                  "translation_iwslt14_transformer.sh"])
def test_import_table_summary(cli, name):
    path = str(REAL / name)
    bound = ["--steps", "5000"] if name.startswith("translation_") else []
    imported = cli("import", path)
    table = cli("table", path, "--at", "0,10,100", "-f", "csv")
    summary = cli("summary", path, *bound)
    if bound:
        assert imported.exit_code == 2 and "pass --total-steps N" in imported.stderr
    else:
        assert imported.exit_code == 0, imported.stderr
        assert imported.stdout.startswith(f"# {path} read as fairseq config: lr_scheduler ")
    assert table.exit_code == 0, table.stderr
    assert summary.exit_code == 0, summary.stderr


def test_paddlenlp_trainer_arguments_are_refused_not_read_as_trainingarguments(tmp_path):
    """A PaddleNLP argument file has TrainingArguments keys; PaddleNLP's own fields tell it apart."""
    path = tmp_path / "sft_argument.json"
    message = refusal(path, '{"model_name_or_path": "x", "per_device_train_batch_size": 4, '
                            '"learning_rate": 3e-5, "warmup_steps": 30, "max_steps": 100, '
                            '"tensor_parallel_degree": 2}')
    assert message.startswith(f"{path}: is a PaddleNLP Trainer argument file: warmupctl does not read "
                              "its schedule yet")
