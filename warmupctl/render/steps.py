"""Rich renderables for ``warmupctl steps``: a :class:`~warmupctl.core.steps.StepsReport` as a text line
and tables, one per section. Pure: the CLI prints them or writes them to a file."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from warmupctl.core.steps import StepsReport
from warmupctl.render.table import fmt


def build_steps_tables(report: StepsReport) -> list[RenderableType]:
    """Rich renderables, one per section of the report: the update's size, updates by loop (notes
    numbered in the caption), lengths, the warmup ratio by library, tokens and samples in updates
    under each rounding, Adam's untuned warmup, and the LR scaled to this batch."""
    facts = report.facts
    out: list[RenderableType] = []
    per = facts.samples_per_update
    if per is not None:
        tokens = f" = {facts.tokens_per_update} tokens at seq_len {facts.seq_len}" if facts.seq_len else ""
        out.append(Text(f"one update: micro_batch_size {facts.micro_batch_size} × devices {facts.devices}"
                        f" × grad_accum {facts.grad_accum} = {per} samples{tokens}"))
    if report.loops is not None:
        epochs = fmt(float(report.epochs))
        drop = ", drop_last" if facts.drop_last else ""
        table = Table(title=Text(f"{facts.dataset_size} samples, {epochs} epochs{drop}: updates by loop"))
        show_warmup = any(row.warmup is not None for row in report.loops)
        show_decay = any(row.decay is not None for row in report.loops)
        # Two-line headers and an unwrapped loop column: the table fits 80 columns whole.
        table.add_column("loop", no_wrap=True)
        table.add_column("batches\nper epoch", justify="right")
        table.add_column("updates\nper epoch", justify="right")
        table.add_column("last\nwindow", justify="right")
        table.add_column("total", justify="right")
        if show_warmup:
            table.add_column("warmup", justify="right")
        if show_decay:
            table.add_column("decay", justify="right")
        notes = []
        for row in report.loops:
            count = row.count
            label = ("→ " if count.loop == report.loop else "  ") + count.label
            if count.note:
                notes.append(f"{count.label}: {count.note}")
                label += f" [{len(notes)}]"
            cells = [label, str(count.batches), str(count.updates_per_epoch),
                     str(count.last_window) if count.last_window else "–",
                     _int(count.total, "whole epochs only")]
            cells += [_int(row.warmup)] if show_warmup else []
            cells += [_int(row.decay)] if show_decay else []
            table.add_row(*cells)
        caption = [f"→ the loop a spec uses (loop: {report.loop}); last window: micro-batches after the "
                   "last full accumulation window"]
        out.append(table)
        # Under the table, as wide as the console (a caption would wrap at the table's width).
        out.append(Text("\n".join(caption + [f"[{i}] {n}" for i, n in enumerate(notes, 1)]), style="dim"))
    if report.lengths:
        table = Table(title=Text(f"lengths in updates (loop {report.loop})"), show_header=False)
        table.add_column("key", style="cyan")
        table.add_column("updates", justify="right")
        for key, value in report.lengths.items():
            table.add_row(key, str(value))
        out.append(table)
    if report.ratio_rows is not None:
        total = report.lengths["total_steps"]
        table = Table(title=Text(f"warmup ratio {report.ratio:g} of {total} updates, by library"))
        table.add_column("library")
        table.add_column("formula", style="dim")
        table.add_column("warmup", justify="right")
        for rule, value in report.ratio_rows:
            table.add_row(rule.library, rule.formula, _count(value))
        out.append(table)
    if report.conversions:
        # No vertical rules: seven columns of exact numbers fit 80 columns without folding one.
        table = Table(title=Text("tokens and samples in updates"), box=None, header_style="bold")
        for name, justify in (("key", "left"), ("amount", "right"), ("per\nupdate", "right"),
                              ("ceil", "right"), ("floor", "right"), ("round", "right"),
                              ("unrounded", "right")):
            table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for c in report.conversions:
            amount = f"{c.amount.numerator:,}" if c.amount.denominator == 1 else f"{float(c.amount):g}"
            table.add_row(c.key, amount, str(c.per_update), str(c.updates.ceil),
                          str(c.updates.floor), str(c.updates.round), repr(c.updates.unrounded))
        out.append(table)
        out.append(Text("ceil: at least the amount (warmupctl); floor: int(), //; round: Python's, half to "
                        "even; unrounded: Megatron (samples)", style="dim"))
    if report.untuned is not None:
        u = report.untuned
        table = Table(title=Text(f"untuned Adam warmup, beta2 {u.beta2:g} (Ma & Yarats 2021)"))
        table.add_column("warmup")
        table.add_column("rounded", justify="right")
        table.add_column("pytorch_warmup int()", justify="right")
        table.add_row("linear, 2/(1-beta2) updates", str(u.linear), str(u.linear_pytorch_warmup))
        table.add_row("exponential, tau = 1/(1-beta2)", str(u.exponential), str(u.exponential_pytorch_warmup))
        out.append(table)
    if report.scaling is not None:
        s = report.scaling
        table = Table(title=Text(f"lr {s.lr:g} tuned at {s.reference_batch_size} samples per update, "
                                 f"moved to {s.batch_size}"))
        table.add_column("rule")
        table.add_column("lr", justify="right")
        table.add_row("linear (Goyal et al. 2017): lr × B / B_ref", fmt(s.linear))
        table.add_row("square root: lr × sqrt(B / B_ref)", fmt(s.sqrt))
        out.append(table)
    return out


def _int(value: int | None, missing: str = "–") -> str:
    """A count, or ``missing`` where there is none."""
    return missing if value is None else str(value)


def _count(value: int | float) -> str:
    """A warmup in updates: an int as is, a float (Megatron's, not rounded) in full."""
    return str(value) if isinstance(value, int) else repr(value)
