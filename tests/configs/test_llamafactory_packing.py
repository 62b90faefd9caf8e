"""LLaMA-Factory packing: the rows the Trainer counts are packed sequences, which the note must say.

LLaMA-Factory ff6d4d12 ``hparams/parser.py``: ``data_args.packing`` defaults to ``stage == "pt"``;
``neat_packing`` turns it on; packed rows are sequences of up to ``cutoff_len`` tokens.
"""

from warmupctl.spec.configs import translate

PT = {"stage": "pt", "cutoff_len": 2048, "learning_rate": 1e-4, "per_device_train_batch_size": 1,
      "gradient_accumulation_steps": 8, "num_train_epochs": 3.0, "lr_scheduler_type": "cosine",
      "warmup_ratio": 0.1, "output_dir": "o"}
FACTS = {"dataset_size": 10000, "devices": 1}
NOTE = ("stage pt packs the data (packing defaults to true for pt): the training rows are the packed sequences "
        "of up to cutoff_len tokens, not the data set's rows: --dataset-size is their number")


def _notes(config):
    return translate(config, source="lf.yaml", facts=FACTS, versions={"transformers": "5.8.0"}).notes


def test_pretraining_packs_by_default_and_says_what_dataset_size_counts():
    assert NOTE in _notes(PT)


def test_no_note_without_packing_or_when_max_steps_sets_the_run():
    assert not any("packed" in note for note in _notes({**PT, "packing": False}))
    assert not any("packed" in note for note in _notes({**PT, "max_steps": 100}))
    assert not any("packed" in note for note in _notes({**PT, "stage": "sft"}))


def test_neat_packing_in_sft_packs():
    notes = _notes({**PT, "stage": "sft", "neat_packing": True})
    assert ("neat_packing packs the data: the training rows are the packed sequences of up to cutoff_len tokens, "
            "not the data set's rows: --dataset-size is their number") in notes
