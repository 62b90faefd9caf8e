"""The ``warmupctl`` command line: a thin Typer app that parses, calls the API, renders and writes.

Conventions: data on stdout, every message on stderr; exit 0 ok, 1 differences or a failed check,
2 bad input (one line: ``error: file: key: problem (got value); hint``), 3 internal error (a short
report). Nothing here imports numpy or matplotlib at module level, so ``--help`` and tab completion
stay fast: each command imports what it needs when it runs.
"""

import contextlib
import errno
import os
import platform
import sys
import traceback
import warnings
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.exceptions import Abort

try:  # Typer >= 0.26 vendors Click; older releases depend on it.
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors  # type: ignore[no-redef]

from warmupctl.cli import _params
from warmupctl.core.errors import ExitCode, SpecError, one_line

ISSUES_URL = "https://github.com/warmupctl/warmupctl/issues"


@dataclass(frozen=True)
class AppContext:
    """Global options, kept in ``ctx.obj`` rather than module state."""

    no_color: bool = False
    quiet: bool = False

    def err_console(self):  # -> rich.console.Console
        from rich.console import Console

        return Console(stderr=True, no_color=self.no_color or None, highlight=False,
                       soft_wrap=True)

    def out_console(self):
        from rich.console import Console

        return Console(no_color=self.no_color or None, highlight=False)

    def note(self, text: str) -> None:
        """A remark on stderr (``note: ...``), silenced by ``--quiet``."""
        if not self.quiet:
            self.err_console().print(f"[yellow]note:[/yellow] {text}", markup=True, highlight=False)

    def info(self, text: str) -> None:
        if not self.quiet:
            self.err_console().print(text, markup=False)


def _version() -> str:
    try:
        from warmupctl.core.version import version

        return version()
    except ImportError:  # a broken install must not break the error report that says so
        return "(version unknown)"


def error_line(text: str) -> None:
    """The one line a user's mistake gets."""
    sys.stderr.write(f"error: {text}\n")
    sys.stderr.flush()


class _PipeClosed(Exception):
    """stdout's reader went away (``| head``); carried past Typer, which would exit 1 on EPIPE."""


class WarmupctlGroup(TyperGroup):
    """Maps every error to one line and an exit code, for the console script and CliRunner alike."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise _PipeClosed() from exc

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        argv = hoist_global_options(self, list(args if args is not None else sys.argv[1:]))
        command = next((a for a in argv if not a.startswith("-")), "")
        debug = bool(os.environ.get("WARMUPCTL_DEBUG"))
        try:
            with warnings.catch_warnings():
                if not debug:
                    # numpy's floating-point warnings are two lines of its source on stderr; what a
                    # user needs to know about an overflow is said by the notes.
                    warnings.simplefilter("ignore", RuntimeWarning)
                result = super().main(args=argv, prog_name=prog_name, complete_var=complete_var,
                                      standalone_mode=False, **extra)
            code = result if isinstance(result, int) else ExitCode.OK
            if code == 130:  # Typer turns Ctrl-C into Exit(130), silently
                sys.stderr.write("interrupted\n")
        except SpecError as exc:
            error_line(str(exc))
            code = ExitCode.USAGE
        except click_errors.NoArgsIsHelpError as exc:
            sys.stdout.write(exc.ctx.get_help() + "\n" if exc.ctx else "")
            code = ExitCode.USAGE
        except click_errors.NoSuchOption as exc:
            close = list(exc.possibilities or ())[:3]  # difflib's order: the closest first
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            error_line(f"{_sentence(exc.message)}{hint}; see '{_help_of(exc, command)}'")
            code = ExitCode.USAGE
        except click_errors.BadParameter as exc:
            bound = _bound_error(exc)
            error_line(bound or f"{_sentence(exc.format_message())}; see '{_help_of(exc, command)}'")
            code = ExitCode.USAGE
        except click_errors.UsageError as exc:
            error_line(f"{_sentence(exc.format_message())}; see '{_help_of(exc, command)}'")
            code = ExitCode.USAGE
        except Abort:
            sys.stderr.write("aborted\n")
            code = 130
        except click_errors.ClickException as exc:
            error_line(_sentence(exc.format_message()))
            code = exc.exit_code
        except (BrokenPipeError, _PipeClosed):
            # A closed pipe (``| head``) is not an error of ours; silence the final flush too.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            code = ExitCode.OK
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            code = 130
        except MemoryError:
            error_line("out of memory; try fewer updates (--steps) or --every")
            code = ExitCode.INTERNAL
        except OSError as exc:
            if exc.errno not in ENVIRONMENT_ERRNOS:
                _internal_error(command, exc)
                code = ExitCode.INTERNAL
            else:  # a full disk or a read-only folder met outside an output file (stdout, say)
                where = exc.filename if isinstance(exc.filename, str) else "input/output"
                error_line(one_line(f"{where}: {exc.strerror or exc} ({errno.errorcode[exc.errno]})"))
                code = ExitCode.USAGE
        except Exception as exc:  # noqa: BLE001 - the last resort: never a bare traceback
            _internal_error(command, exc)
            code = ExitCode.INTERNAL
        if standalone_mode:
            sys.exit(int(code))
        return int(code)


def hoist_global_options(group: Any, argv: list[str]) -> list[str]:
    """``argv`` with the global options written after the command moved before it.

    ``warmupctl table spec.yaml -q`` and ``warmupctl check --kind cosine --no-color`` mean what
    ``warmupctl -q table ...`` means, as git, ruff and pip users expect. Every global option is a
    flag (it takes no value), so moving one changes nothing else. A token is left where it is when it
    is the value of the command's own option (``--name -q`` names a curve "-q"), when the command has
    an option of that name itself, or after ``--``.
    """
    flags = {name for param in group.params if getattr(param, "is_flag", False)
             for name in (*param.opts, *param.secondary_opts)}
    position = next((i for i, token in enumerate(argv) if not token.startswith("-")), None)
    if position is None or position + 1 == len(argv):
        return argv
    command = getattr(group, "commands", {}).get(argv[position])
    if command is None:
        return argv
    takes_value: set[str] = set()
    own: set[str] = set()
    for param in command.params:
        names = [*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ())]
        if getattr(param, "param_type_name", "") != "option":
            continue
        own.update(names)
        if not (param.is_flag or getattr(param, "count", False)):
            takes_value.update(names)
    hoisted, kept = [], []
    tail = iter(argv[position + 1:])
    for token in tail:
        if token == "--":
            kept.extend([token, *tail])
            break
        if token in flags and token not in own:
            hoisted.append(token)
            continue
        kept.append(token)
        if token in takes_value:  # ``--opt VALUE``: the next token is the value, whatever it looks like
            value = next(tail, None)
            if value is not None:
                kept.append(value)
    return [*argv[:position], *hoisted, argv[position], *kept] if hoisted else argv


#: OSError numbers that describe the machine, not warmupctl: one line and exit 2, like a bad output.
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                                errno.EIO, errno.EFBIG, errno.ENOENT, errno.EISDIR, errno.ENOTDIR})


def _sentence(text: str) -> str:
    """Click's message as a clause of our line: no final period, no pydantic-style prefix."""
    return one_line(text.replace("Value error, ", "").rstrip(".").strip())


#: pydantic's bound checks (Typer's ``min=``/``max=``) in the house's words.
_BOUND_WORDS = {"greater_than_equal": ("ge", "must be at least"), "greater_than": ("gt", "must be above"),
                "less_than_equal": ("le", "must be at most"), "less_than": ("lt", "must be below")}


def _bound_error(exc: click_errors.BadParameter) -> str | None:
    """``command line: --steps: must be at least 1 (got 0)`` for a number outside an option's
    ``min``/``max`` (Typer says "Input should be greater than or equal to 1"), else None."""
    errors = getattr(exc.__cause__, "errors", None)
    opts = getattr(exc.param, "opts", None)
    if not callable(errors) or not opts:
        return None
    try:
        first = errors()[0]
        key, words = _BOUND_WORDS[first["type"]]
        limit = first["ctx"][key]
    except (LookupError, TypeError):
        return None
    long_name = max(opts, key=len)
    given = first.get("input")
    with contextlib.suppress(TypeError, ValueError):
        given = int(given)  # the flag's text "0" is the number 0 to the user
    return str(SpecError(f"{words} {limit}", source="command line", path=long_name, value=given))


def _help_of(exc: click_errors.UsageError, command: str) -> str:
    ctx = exc.ctx
    if ctx is not None and ctx.command_path != "warmupctl":
        return f"{ctx.command_path} -h"
    known = command in app_command_names()
    return f"warmupctl {command} -h" if known else "warmupctl -h"


def app_command_names() -> set[str]:
    return {c.name or "" for c in app.registered_commands}


def _internal_error(command: str, exc: BaseException) -> None:
    """The short report of a bug: version, command and exception on one line, then where to send it."""
    message = one_line(str(exc))
    if len(message) > 300:
        message = message[:300] + " …"
    sys.stderr.write(
        f"internal error: warmupctl {_version()} (Python {platform.python_version()}, "
        f"{platform.system() or 'unknown OS'}), command '{command or 'warmupctl'}': "
        f"{type(exc).__name__}: {message}\n"
        f"This is a bug in warmupctl, not in your input. Please report it at {ISSUES_URL} "
        "with the command and the spec (WARMUPCTL_DEBUG=1 shows the traceback).\n"
    )
    if os.environ.get("WARMUPCTL_DEBUG"):
        traceback.print_exception(exc)


app = typer.Typer(
    cls=WarmupctlGroup,
    name="warmupctl",
    help=(
        "The exact learning rate of every optimizer update — for your schedule, or your library's "
        "scheduler. lr[k] is the LR used by optimizer update k (k = 0, 1, 2, …).\n\n"
        "Exit codes: 0 ok, 1 differences or a failed check, 2 bad input, 3 internal error."
    ),
    no_args_is_help=True,
    # Rich-formatted help on a terminal; plain text into a pipe or file, where box drawing is noise and
    # importing and laying out Rich costs more than the rest of --help (docs/benchmarks.md).
    rich_markup_mode="markdown" if sys.stdout.isatty() else None,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    add_completion=True,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"warmupctl {_version()}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="print the version and exit")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="no colours (NO_COLOR works too)")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no notes on stderr")] = False,
) -> None:
    ctx.obj = AppContext(no_color=no_color or bool(os.environ.get("NO_COLOR")), quiet=quiet)


#: One module per command, in the order ``--help`` lists them; each defines ``register(app)``.
COMMANDS: tuple[str, ...] = ("table", "plot", "summary", "diff", "explain", "check", "steps",
                             "import_", "list_")


def _register() -> None:
    import importlib

    for name in COMMANDS:
        try:
            module = importlib.import_module(f"warmupctl.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"warmupctl.cli.{name}":
                raise
            continue  # a command not written yet
        module.register(app)


_register()
_params.install()  # plain values coerced without pydantic (a third of a cold start; see there)


def main() -> None:
    """Console-script entry point."""
    app()
