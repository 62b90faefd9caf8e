"""Launch scripts (``.sh``): the arguments of the training command, read as shell words, never run.

People keep Megatron-LM and fairseq runs as shell scripts::

    GPT_MODEL_ARGS=( --num-layers 96 ... )
    TRAINING_ARGS=( --lr 6.0e-5 --lr-decay-style cosine ... )
    torchrun ${DISTRIBUTED_ARGS[@]} pretrain_gpt.py ${GPT_MODEL_ARGS[@]} ${TRAINING_ARGS[@]}

This module reads such a script as text: line continuations are joined, each statement is split into
words with :mod:`shlex` (POSIX rules: quotes, escapes, ``#`` comments), variables the script sets to
literal words (``LR=6e-5``, ``export LR=6e-5``, arrays ``NAME=( ... )``) are substituted, and the
command that runs the trainer (a word ending in ``.py`` whose name starts with ``pretrain``/``train``,
or ``fairseq-train``) gives the arguments: ``--flag value`` pairs, a flag followed by several words
(``--rampup-batch-size 16 16 5859375``) as a list, a flag alone as ``true``.

A variable the script does not set literally (``$1``, ``$(...)``, ``$((...))``, one from the
environment) cannot be known: it is kept as ``${NAME}``, and the format reading the arguments refuses
any schedule argument that holds one, naming the variable. Nothing in the script is executed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from warmupctl.core.errors import SpecError

#: Launchers whose own flags come before the training script (skipped).
LAUNCHERS = ("torchrun", "python", "python3", "deepspeed", "srun", "mpirun", "accelerate")
#: Commands that are the trainer themselves (fairseq's console scripts).
TRAINER_COMMANDS = ("fairseq-train", "fairseq-hydra-train")
_VAR = re.compile(r"\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?])(?P<index>\[[@*]\])?\}"
                  r"|\$(?P<plain>[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?])")
_ASSIGN = re.compile(r"^(?:export\s+|declare\s+(?:-\w+\s+)?|local\s+|readonly\s+)?"
                     r"([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
#: An environment assignment before a command (``CUDA_VISIBLE_DEVICES=0 fairseq-train ...``).
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
#: How an unknown variable stays in a value, so that a schedule argument holding it can be refused.
UNKNOWN = "${%s}"


@dataclass(frozen=True)
class Command:
    """The trainer's command found in a script.

    Attributes:
        program: the training script or console command (``pretrain_gpt.py``, ``fairseq-train``).
        line: the script's line where the command starts (1-based).
        words: the arguments after ``program``, variables substituted.
        unknown: variables used in the command that the script does not set literally.
        launcher: the words before ``program`` (``accelerate launch --num_processes 2``).
    """

    program: str
    line: int
    words: tuple[str, ...]
    unknown: frozenset[str]
    launcher: tuple[str, ...] = ()


def statements(text: str) -> list[tuple[int, str]]:
    """``(first line, statement)``: continuations joined, an array assignment kept whole."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        start = i
        stmt = lines[i]
        while i + 1 < len(lines) and (stmt.endswith("\\") or _open_quote(stmt)):
            i += 1  # a continuation, or a quoted word that goes on (export CMD=" ... ")
            stmt = stmt[:-1] + " " + lines[i] if stmt.endswith("\\") else stmt + "\n" + lines[i]
        if re.match(r"^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=\(", stmt) and ")" not in _code(stmt):
            while i + 1 < len(lines) and ")" not in _code(lines[i]):
                i += 1
                stmt += "\n" + lines[i]
        out.append((start + 1, stmt))
        i += 1
    return out


def _open_quote(stmt: str) -> bool:
    """Whether a quote of the statement is still open at its end (the word goes on on the next line)."""
    try:
        shlex.split(stmt, comments=True, posix=True)
    except ValueError:
        return True
    return False


def _code(line: str) -> str:
    """A line without its comment (a ``#`` at a word's start), for finding an array's ``)``."""
    return re.sub(r"(^|\s)#.*$", "", line, flags=re.M)


def _words(stmt: str, line: int, source: str) -> list[str]:
    try:
        return shlex.split(stmt, comments=True, posix=True)
    except ValueError as exc:
        raise SpecError(f"line {line}: the shell words do not parse ({exc})", source=source,
                        hint="an unclosed quote?") from None


def _expand(word: str, scalars: dict[str, str], arrays: dict[str, list[str]],
            unknown: set[str], split: bool = False) -> list[str]:
    """One word with its variables substituted; ``${A[@]}`` (or ``$A`` of an array) alone is spliced.
    With ``split`` (a command's words), a variable alone is split at blanks as bash splits an unquoted
    one (``EXTRA="--min-lr 1e-5"; train.py $EXTRA`` passes two words)."""
    whole = _VAR.fullmatch(word)
    if whole:
        name = whole.group("braced") or whole.group("plain")
        if name in arrays:
            return list(arrays[name]) if (whole.group("index") or whole.group("plain")) else arrays[name][:1]
        if split and name in scalars and not whole.group("index"):
            return scalars[name].split()
    if "$(" in word or "`" in word:
        unknown.add(word)
        return [UNKNOWN % word]

    def sub(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("plain")
        if name in scalars:
            return scalars[name]
        if name in arrays:
            return " ".join(arrays[name])
        unknown.add(name)
        return UNKNOWN % name

    return [_VAR.sub(sub, word)]


def find_command(text: str, source: str) -> Command | None:
    """The training command of a script with its words expanded, or None when it runs none."""
    scalars: dict[str, str] = {}
    arrays: dict[str, list[str]] = {}
    found: list[Command] = []
    for line, stmt in statements(text):
        body = stmt.strip()
        if not body or body.startswith("#"):
            continue
        assign = _ASSIGN.match(body)
        if assign and assign.group(2).startswith("("):
            name, value = assign.group(1), assign.group(2)
            unknown: set[str] = set()
            inner = value[1:value.rfind(")")] if ")" in value else value[1:]
            arrays[name] = [w for word in _words(inner, line, source)
                            for w in _expand(word, scalars, arrays, unknown)]
            scalars.pop(name, None)
            continue
        head = _words(body, line, source)
        if head and head[0] in ("export", "declare", "local", "readonly"):
            head = [w for w in head[1:] if not w.startswith("-")]
        if assign and len(head) == 1:
            name, value = assign.group(1), head[0].partition("=")[2]
            unknown = set()
            expanded = _expand(value, scalars, arrays, unknown)
            scalars.pop(name, None)
            arrays.pop(name, None)
            if not unknown and "$((" not in assign.group(2):
                scalars[name] = expanded[0]  # a literal word (or one made of literal variables)
            continue
        unknown = set()
        words = [w for word in _words(stmt, line, source)
                 for w in _expand(word, scalars, arrays, unknown, split=True)]
        for i, word in enumerate(words):
            base = word.rsplit("/", 1)[-1]
            is_trainer = base in TRAINER_COMMANDS or (
                base.endswith(".py") and base.startswith(("pretrain", "train")))
            launched = i == 0 or any(w.rsplit("/", 1)[-1] in LAUNCHERS or w == "torch.distributed.run"
                                     for w in words[:i]) or all(_ENV.match(w) for w in words[:i])
            if is_trainer and launched:
                used = {name for name in unknown if any(UNKNOWN % name in w for w in words[i + 1:])}
                found.append(Command(base, line, tuple(words[i + 1:]), frozenset(used),
                                     tuple(words[:i])))
                break
    if not found:
        return None
    if len(found) > 1:
        lines = ", ".join(str(c.line) for c in found)
        raise SpecError(f"runs the trainer more than once (lines {lines})", source=source,
                        hint="keep one training command per script, or import each run from its own file")
    return found[0]


def scalar(word: str) -> Any:
    """A shell word as the value argparse would give it: int, float, or the text.

    Examples:
        >>> scalar("6.0e-5"), scalar("1536"), scalar(".001"), scalar("cosine")
        (6e-05, 1536, 0.001, 'cosine')
    """
    try:
        return int(word)
    except ValueError:
        pass
    try:
        return float(word)
    except ValueError:
        return word


def arguments(command: Command) -> dict[str, Any]:
    """``--flag value`` pairs of a command (the flag's spelling kept): several words make a list, none
    ``True``; words before the first flag are ignored (a positional data directory)."""
    out: dict[str, Any] = {}
    flag: str | None = None
    values: list[Any] = []

    def close() -> None:
        if flag is not None:
            out[flag] = True if not values else values[0] if len(values) == 1 else list(values)

    for word in command.words:
        if word.startswith("--") and len(word) > 2 and not _is_number(word):
            close()
            if "=" in word:
                key, _, value = word.partition("=")
                flag, values = None, []
                out[key] = scalar(value)
                continue
            flag, values = word, []
        elif flag is not None:
            values.append(scalar(word))
    close()
    return out


def _is_number(word: str) -> bool:
    return isinstance(scalar(word), (int, float))


def parse_script(text: str, source: str) -> dict[str, Any]:
    """The arguments of the training command in a shell script, as a mapping of flags.

    Raises:
        SpecError: the script runs no trainer warmupctl recognises, or runs it more than once.
    """
    command = find_command(text, source)
    if command is None:
        from warmupctl.spec.configs.jobs import script_refusal

        raise script_refusal(text, source)
    args = arguments(command)
    if not args:
        raise SpecError(f"line {command.line}: {command.program} is run without arguments",
                        source=source, hint="the schedule is in its --flags")
    launchers = [word.rsplit("/", 1)[-1] for word in command.launcher]
    if command.program.startswith("train_") and "accelerate" in launchers and "launch" in launchers:
        # A diffusers-style script: which one decides its arithmetic, and accelerate's own flags
        # (--num_processes) the processes (spec/configs/diffusers.py reads both).
        args.setdefault(SCRIPT_KEY, command.program)
        launch = command.launcher[launchers.index("launch") + 1:]
        args.setdefault(LAUNCH_KEY, arguments(Command("accelerate", command.line, launch, frozenset())))
    return args


#: The key under which :func:`parse_script` gives the name of a ``train_*.py`` script it found (the
#: name of ``accelerate launch``'s own positional argument).
SCRIPT_KEY = "training_script"
#: The key holding the flags of ``accelerate launch`` before such a script (``--num_processes``).
LAUNCH_KEY = "accelerate_launch"
