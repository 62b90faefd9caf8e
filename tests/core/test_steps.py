"""Step arithmetic: the worked examples, each loop's count against a simulation of that loop, the
rounding rules, and lengths in epochs/tokens/samples inside native specs."""

import doctest
import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import warmupctl
from warmupctl.core import steps, vocabulary
from warmupctl.core.errors import SpecError
from warmupctl.core.steps import BatchFacts, epoch_count
from warmupctl.spec import merge_flags
from warmupctl.spec.native import units_to_steps


def test_doctests():
    assert doctest.testmod(steps).failed == 0


def test_accelerate_worked_example():
    """accelerate#963: 100 batches × 10 epochs ÷ accumulation 4 = 250 updates, 25 of warmup at 10 %."""
    facts = BatchFacts(micro_batch_size=1, dataset_size=100, grad_accum=4)
    report = steps.steps_report(facts, amounts={"epochs": ("epochs", Fraction(10))},
                                lengths={"total_steps": 250}, ratio=0.1)
    assert {row.count.loop: (row.count.batches, row.count.updates_per_epoch, row.count.total, row.warmup)
            for row in report.loops} == {loop: (100, 25, 250, 25) for loop in steps.LOOPS}
    assert {rule.name: n for rule, n in report.ratio_rows} == {
        "warmupctl": 25, "transformers": 25, "nemo": 25, "fairseq": 25, "timm": 25, "megatron": 25.0}


def test_gpt3_warmup_tokens_under_each_rounding():
    """375M tokens at 2^19 tokens per update = 715.26 updates."""
    facts = BatchFacts(micro_batch_size=16, seq_len=1024, grad_accum=4, devices=8)
    assert facts.tokens_per_update == 2**19
    r = steps.rounded(steps.per_update(steps.exact(375e6), facts.tokens_per_update))
    assert (r.ceil, r.floor, r.round) == (716, 715, 715)
    assert r.unrounded == 715.2557373046875 == 375e6 / 2**19
    # nanoGPT's max_steps: 10B tokens at 2^19 per update floors to 19073.
    assert steps.rounded(Fraction(10**10, 2**19)).floor == 19073


def test_round_is_half_to_even():
    assert steps.rounded(Fraction(5, 2)).round == 2  # unsloth PR#8723: Python 2, JavaScript 3
    assert steps.rounded(Fraction(7, 2)).round == 4


# --- every loop against a simulation of its data pipeline and its optimizer.step() condition ------

def simulated_batches(n: int, m: int, d: int, drop_last: bool, sharded: bool) -> int:
    """Micro-batches of rank 0, built the way the libraries build them."""
    if sharded:  # accelerate: one batch list over the whole dataset, dealt round-robin to the ranks;
        # even_batches pads the short ranks from the start, drop_last keeps whole rounds only
        batches = [list(range(i, min(i + m, n))) for i in range(0, n, m)]
        if drop_last:
            batches = [b for b in batches if len(b) == m]
            return len(batches) // d
        return len(batches[0::d])
    # torch DistributedSampler(drop_last=False): pad to a multiple of d, rank r takes indices[r::d]
    per_rank = len((list(range(n)) * (d + 1))[:math.ceil(n / d) * d][0::d])
    return per_rank // m if drop_last else math.ceil(per_rank / m)


def simulated_updates(batches: int, accum: int, loop: str) -> int:
    """Count optimizer.step() calls over one epoch of ``batches`` micro-batches."""
    count = 0
    for i in range(batches):
        last = i == batches - 1
        if loop == "plain":
            count += (i + 1) % accum == 0
        elif loop in ("lightning", "transformers"):  # steps on the final batch too
            count += (i + 1) % accum == 0 or last
    if loop == "transformers_4_51":  # max_steps: len_dataloader // gradient_accumulation_steps, at least 1
        count = max(1, batches // accum)
    if loop == "transformers":
        count = max(1, count)
    return count


@given(n=st.integers(1, 300), m=st.integers(1, 9), d=st.integers(1, 5), accum=st.integers(1, 7),
       drop_last=st.booleans(), epochs=st.integers(1, 4))
def test_loops_match_their_simulation(n, m, d, accum, drop_last, epochs):
    facts = BatchFacts(micro_batch_size=m, devices=d, grad_accum=accum, dataset_size=n, drop_last=drop_last)
    for loop in steps.LOOPS:
        count = epoch_count(facts, Fraction(epochs), loop)
        batches = simulated_batches(n, m, d, drop_last, sharded=loop.startswith("transformers"))
        assert count.batches == batches, loop
        assert count.updates_per_epoch == simulated_updates(batches, accum, loop), loop
        assert count.total == epochs * count.updates_per_epoch
        assert count.last_window == batches % accum


def test_where_the_loops_differ():
    # 10 samples, micro-batch 2, 3 devices, drop_last: accelerate shards 5 batches (1 per device);
    # DistributedSampler pads each rank to 4 samples = 2 batches.
    facts = BatchFacts(micro_batch_size=2, devices=3, dataset_size=10, drop_last=True)
    assert steps.sharded_batches(facts) == 1 and steps.sampled_batches(facts) == 2
    # 10 micro-batches, accumulation 4: the trailing window of 2 is an update, or not.
    facts = BatchFacts(micro_batch_size=1, dataset_size=10, grad_accum=4)
    per_epoch = {loop: epoch_count(facts, Fraction(3), loop) for loop in steps.LOOPS}
    assert {k: c.updates_per_epoch for k, c in per_epoch.items()} == {
        "transformers": 3, "transformers_4_51": 2, "lightning": 3, "plain": 2}
    assert per_epoch["plain"].note.startswith("drops the trailing partial window")
    assert per_epoch["transformers_4_51"].total == 6


def test_an_epoch_shorter_than_the_accumulation():
    facts = BatchFacts(micro_batch_size=1, dataset_size=3, grad_accum=8)
    assert epoch_count(facts, Fraction(2), "plain").total == 0
    assert "no update at all" in epoch_count(facts, Fraction(2), "plain").note
    assert epoch_count(facts, Fraction(2), "lightning").total == 2  # Lightning#21808
    assert epoch_count(facts, Fraction(2), "transformers").total == 2


def test_fractional_epochs():
    facts = BatchFacts(micro_batch_size=1, dataset_size=100, grad_accum=4)
    assert epoch_count(facts, Fraction(5, 2), "transformers").total == math.ceil(2.5 * 25)
    assert epoch_count(facts, Fraction(5, 2), "lightning").total is None
    # transformers multiplies floats: ceil(0.07 * 100) is 8 (the float noise of its warmup ratio)
    facts = BatchFacts(micro_batch_size=1, dataset_size=100)
    assert epoch_count(facts, Fraction(7, 100), "transformers").total == 8


def test_ratio_rules():
    got = {rule.name: n for rule, n in steps.ratio_warmups(0.07, 100)}
    assert got["warmupctl"] == 7 and got["transformers"] == 8 and got["nemo"] == 7
    assert got["megatron"] == pytest.approx(7.0) and isinstance(got["megatron"], float)
    got = {rule.name: n for rule, n in steps.ratio_warmups(0.001, 500)}
    assert got["warmupctl"] == 1 and got["nemo"] == 0 and got["fairseq"] == 0
    assert {rule.name: n for rule, n in steps.ratio_warmups(0.05, 50)}["timm"] == 2  # round(2.5)


@pytest.mark.parametrize(("beta2", "linear", "pytorch_warmup"),
                         [(0.999, 2000, 1999), (0.99, 200, 199), (0.98, 100, 99), (0.95, 40, 39)])
def test_untuned_adam_warmup(beta2, linear, pytorch_warmup):
    w = steps.untuned_warmup(beta2)
    assert (w.linear, w.linear_pytorch_warmup) == (linear, pytorch_warmup)
    assert w.linear_pytorch_warmup == int(2.0 / (1.0 - beta2))


def test_lr_scaling():
    s = steps.scaled_lr(3e-4, 2048, 512)
    assert s.linear == pytest.approx(1.2e-3) and s.sqrt == pytest.approx(6e-4)


def test_vocabulary_and_calc_agree():
    assert tuple(steps.LOOPS) == vocabulary.LOOPS
    assert set(vocabulary.BATCH_KEYS) <= set(vocabulary.KEYS)
    for keys in vocabulary.LENGTH_KEYS.values():
        assert set(keys) <= set(vocabulary.KEYS)
        assert frozenset(keys) in vocabulary.EXCLUSIVE_GROUPS


# --- native specs ----------------------------------------------------------------------------------

WORKED = {"dataset_size": 100, "micro_batch_size": 1, "grad_accum": 4, "epochs": 10}


def test_epochs_in_a_native_spec():
    s = warmupctl.schedule(**WORKED, ratio=0.1, kind="linear")
    assert (s.total_steps, s.warmup_steps) == (250, 25)
    assert any(note.startswith("total_steps 250: epochs 10 give 250 updates") for note in s.notes)
    assert warmupctl.schedule(**{**WORKED, "dataset_size": 99}, loop="plain").total_steps == 240


def test_tokens_and_samples_in_a_native_spec():
    facts = {"micro_batch_size": 16, "seq_len": 1024, "grad_accum": 4, "devices": 8}
    s = warmupctl.schedule(**facts, warmup_tokens=375e6, total_tokens="10e9")
    assert (s.warmup_steps, s.total_steps) == (716, 19074)
    assert any("715.256 updates, rounded up; floor 715" in note for note in s.notes)
    s = warmupctl.schedule(kind="wsd", micro_batch_size=8, total_samples=8000, decay_samples=80,
                           warmup_epochs=0.5, dataset_size=800)
    assert (s.total_steps, s.spec["decay_steps"], s.warmup_steps) == (1000, 10, 50)


def test_a_length_said_twice_must_agree():
    assert warmupctl.schedule(**WORKED, total_steps=250).total_steps == 250
    with pytest.raises(SpecError) as caught:
        warmupctl.schedule(**WORKED, total_steps=240)
    exc = caught.value
    assert exc.path == "epochs" and exc.source == "warmupctl.schedule()"  # Python's words
    assert str(exc).startswith("warmupctl.schedule(): epochs: total_steps and epochs disagree: total_steps is "
                               "240, but epochs 10 give 250 updates")
    with pytest.raises(SpecError, match="ratio and warmup_tokens disagree"):
        warmupctl.schedule(micro_batch_size=1, seq_len=10, warmup_tokens=200, ratio=0.1)
    assert warmupctl.schedule(micro_batch_size=1, seq_len=10, warmup_tokens=1000, ratio=0.1).warmup_steps == 100


def test_a_file_key_and_a_flag_of_the_same_length():
    merged = merge_flags({"total_steps": 100, "warmup_steps": 5}, {"epochs": "3", "warmup_tokens": None})
    assert "total_steps" not in merged and merged["warmup_steps"] == 5


@pytest.mark.parametrize(("keys", "path", "text"), [
    ({"epochs": 3}, "epochs", "epochs needs dataset_size"),
    ({"epochs": 3, "dataset_size": 10}, "epochs", "epochs needs micro_batch_size"),
    ({"warmup_tokens": 100, "micro_batch_size": 2}, "warmup_tokens", "warmup_tokens needs seq_len"),
    ({**WORKED, "epochs": 2.5, "loop": "lightning"}, "epochs", "loop lightning runs whole epochs only"),
    ({**WORKED, "loop": "lighting"}, "loop", "did you mean 'lightning'"),
    ({**WORKED, "grad_accum": 0}, "grad_accum", "must be positive"),
    ({**WORKED, "drop_last": "maybe"}, "drop_last", "expected true or false"),
    ({**WORKED, "epochs": -1}, "epochs", "must be positive"),
    ({**WORKED, "grad_accum": 200, "loop": "plain"}, "epochs", "epochs gives 0 updates"),
    ({**WORKED, "warmup_epochs": 1, "phases": [{"steps": "rest"}]}, "warmup_epochs", "phases replace"),
])
def test_bad_lengths_name_the_key(keys, path, text):
    with pytest.raises(SpecError) as caught:
        units_to_steps(keys, [])
    assert caught.value.path == path and text in str(caught.value)


def test_facts_without_a_length_are_noted_not_used():
    notes: list[str] = []
    assert units_to_steps({"dataset_size": 5, "total_steps": 10}, notes) == {"dataset_size": 5,
                                                                            "total_steps": 10}
    assert notes == ["dataset_size not used: no length is given in epochs, tokens or samples"]


def test_epochs_with_phases():
    s = warmupctl.from_mapping({**WORKED, "phases": [{"ratio": 0.1, "to": "lr"}, {"steps": "rest"}]})
    assert s.total_steps == 250 and s.warmup_steps == 25
