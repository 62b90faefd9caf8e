"""Parse a spec file (YAML or JSON, or ``-`` for standard input) into a plain mapping.

The file is read by :func:`warmupctl.spec.files.read_input` (size, folders, binary, encodings); this
module parses its text. Only PyYAML's safe loader is used: a spec can name numbers, strings, lists and
mappings, never objects or code. Duplicate keys are an error (YAML would silently keep the last one).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml

from warmupctl.core.errors import SpecError
from warmupctl.core.values import as_mapping, kind_of
from warmupctl.spec.files import SPEC, Input, read_input

#: Deepest nesting of lists and mappings a spec may have. Sixteen nested library specs need about
#: fifty levels; deeper input is refused as it is read, before PyYAML's recursion meets Python's
#: limit (which, at about 900 levels, takes seconds to unwind).
MAX_DEPTH = 100
#: Most values (scalars, lists, mappings) a YAML spec may hold: a spec has dozens, a training config
#: hundreds. PyYAML builds some 15 000 a second, so this bounds the time of any file to about a second.
MAX_NODES = 10_000


class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing duplicate keys, nesting deeper than :data:`MAX_DEPTH` and more than
    :data:`MAX_NODES` values."""

    _depth = 0
    _nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        problem = None
        if self._depth >= MAX_DEPTH:
            problem = f"nesting deeper than {MAX_DEPTH} levels"
        elif self._nodes >= MAX_NODES:
            problem = f"more than {MAX_NODES} values (a spec holds a few dozen)"
        if problem:
            raise yaml.composer.ComposerError(None, None, problem, self.peek_event().start_mark)
        self._nodes += 1
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # ``<<: *base`` copies keys in; the mapping's own keys override them (YAML 1.1)
        key = loader.construct_object(key_node, deep=deep)
        try:
            first = seen.get(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark
            ) from None
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {first + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


def _construct_int(loader: _UniqueKeyLoader, node: yaml.ScalarNode) -> int:
    try:
        return loader.construct_yaml_int(node)
    except ValueError as exc:
        # More digits than CPython converts (int_max_str_digits, 4300), or !!int on a non-integer.
        long = "limit" in str(exc)
        problem = f"an integer of {len(node.value)} digits is too long to read" if long else \
            f"{node.value[:40]!r} is not an integer"
        raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def parse_text(text: str, source: str) -> dict[str, Any]:
    """Parse YAML or JSON text into a mapping with string keys."""
    if not text.strip():
        raise SpecError("empty file", source=source,
                        hint="write keys such as 'kind: cosine' and 'warmup_steps: 100'")
    stripped = text.lstrip()
    if source.lower().endswith(".gin"):  # t5x / gin bindings: not read, said so in one line
        from warmupctl.spec.configs.jobs import gin_refusal

        raise gin_refusal(text, source)
    if source.endswith(".py"):
        # A Python config (nanoGPT's config/*.py): its literal assignments, never executed.
        from warmupctl.spec.configs.pyconfig import literal_assignments

        return literal_assignments(text, source)
    if source.endswith(".json") or stripped.startswith("{"):
        data = _parse_json(text, source)
    else:
        data = _parse_yaml(text, source)
    if data is None:
        raise SpecError("empty file", source=source)
    if not isinstance(data, Mapping):
        from warmupctl.spec.configs.jobs import hostfile_refusal

        hostfile = hostfile_refusal(text, source)  # "node1 slots=8" lines read as one YAML string
        if hostfile is not None:
            raise hostfile
        raise SpecError(f"the top level is {kind_of(data)}, not a mapping of keys", source=source,
                        hint="write 'key: value' lines, e.g. 'kind: cosine'")
    if not data:
        raise SpecError("the spec has no keys", source=source)
    try:
        return as_mapping(dict(data), "(top level)")
    except SpecError as exc:
        raise exc.located(source=source) from None


#: PyYAML's problems, by the words they start with, and what to do about each (the hint of the line).
_INDENT = "check the indentation: the keys of one mapping start in the same column, with spaces"
YAML_HINTS: tuple[tuple[str, str], ...] = (
    ("found character '\\t'", "indent with spaces: replace the tab"),
    ("found character", "quote the value: YAML reserves @, ` and % at the start of one"),
    ("mapping values are not allowed", "write 'key: value' with a space after the colon, indent a "
                                       "nested key under its parent, or quote a value that holds ': '"),
    ("could not find expected ':'", "each line of a mapping is 'key: value': is the colon missing?"),
    ("expected <block end>", _INDENT),
    ("did not find expected", _INDENT),
    ("found undefined alias", "define the anchor (&name) before its alias (*name)"),
    ("found duplicate anchor", "give each anchor (&name) its own name"),
    ("expected ',' or ']'", "close the list with ]"),
    ("expected ',' or '}'", "close the mapping with }"),
    ("found unexpected end of stream", "close the quote"),
    ("could not determine a constructor", "a spec holds plain values: remove the !tag"),
    ("'", "an explicit !!int takes a whole number"),  # "'1.5' is not an integer" (_construct_int)
    ("expected a single document", "a spec is one YAML document: remove the '---' line, or split the file"),
    ("duplicate key", "keep one of them"),
    ("found unconstructable recursive node", "an alias (*name) inside what it names never ends"),
    ("nesting deeper than", "a spec nests a few levels: is this the right file?"),
    ("more than", "is this the right file?"),
    ("an integer of", "is this the right file?"),
    ("a key must be a plain value", "write the key as a plain word"),
)
_YAML_HINT = "check the indentation (spaces only), the colons and the quotes there"


def _yaml_hint(problem: str) -> str:
    return next((hint for start, hint in YAML_HINTS if problem.startswith(start)), _YAML_HINT)


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "invalid YAML"
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and (problem.startswith("could not find expected ':'")
                                 or (exc.context or "").startswith("while scanning a quoted")):
            mark = exc.context_mark  # the line without a colon, the quote left open; not where PyYAML gave up
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        if exc.problem and exc.context and not exc.context.startswith("while "):
            problem = f"{exc.context}, {exc.problem}"  # "expected a single document ..., but found ..."
        hint = _yaml_hint(problem)
        if problem.startswith("found character '\\t'"):
            problem = "a tab, where YAML takes only spaces"
        raise SpecError(f"YAML syntax error at {where}: {problem}", source=source, hint=hint) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        character = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise SpecError(f"YAML cannot hold the character {character} (line {line}, column {column})",
                        source=source, hint="is this a text file? control characters are not allowed"
                        ) from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid YAML"
        raise SpecError(f"YAML error: {first}", source=source, hint=_yaml_hint(first)) from None
    except RecursionError:
        raise SpecError("nesting too deep", source=source) from None
    except (ValueError, OverflowError) as exc:
        # A value PyYAML recognises but cannot build: "\U00110000" (beyond Unicode), 2024-02-30.
        raise SpecError(f"YAML value that cannot be read: {exc}", source=source,
                        hint="quote it to keep it as text, or remove an explicit !!tag") from None
    except (TypeError, AttributeError, IndexError, KeyError):
        # PyYAML's constructors fail this way on an explicit tag that does not fit (!!timestamp 1.5).
        raise SpecError("YAML value that cannot be read", source=source,
                        hint="is an explicit !!tag on a value it does not fit?") from None


def _parse_json(text: str, source: str) -> Any:
    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise SpecError(f"duplicate key {key!r}", source=source)
            out[key] = value
        return out

    def integer(digits: str) -> int:
        try:
            return int(digits)
        except ValueError:  # more digits than CPython converts (int_max_str_digits, 4300)
            raise SpecError(f"an integer of {len(digits)} digits is too long to read",
                            source=source) from None

    try:
        return json.loads(text, object_pairs_hook=unique, parse_int=integer)
    except json.JSONDecodeError as exc:
        line, column, problem = json_problem(exc)
        raise SpecError(f"JSON syntax error at line {line}, column {column}: {problem}", source=source
                        ) from None
    except RecursionError:
        raise SpecError("nesting too deep", source=source) from None


#: The json module's messages (their first words) in warmupctl's words; ``found`` says whether the
#: character at the error follows. The json module's own words change between Python releases (3.13
#: says "Illegal trailing comma" where 3.12 said "Expecting property name"), so they are never shown.
_JSON_WORDS: tuple[tuple[str, str, bool], ...] = (
    ("Expecting value", "expected a value", True),
    ("Expecting property name", "expected a key in double quotes", True),
    ("Expecting ':'", "expected ':' after the key", True),
    ("Expecting ','", "expected ',' or the end of the list or object", True),
    ("Extra data", "more text after the end of the JSON value", True),
    ("Unterminated string", "a string is not closed (no closing '\"')", False),
    ("Invalid control character", "a line break or control character inside a string (write \\n)", False),
    ("Invalid \\u", "a \\u escape needs four hexadecimal digits", False),
    ("Invalid \\escape",
     "an unknown escape inside a string (after \\ write one of \\ / \" b f n r t u)", False),
)


def json_problem(exc: json.JSONDecodeError) -> tuple[int, int, str]:
    """``(line, column, problem)`` of a JSON syntax error, in warmupctl's words (see :data:`_JSON_WORDS`).

    A trailing comma is named as such and placed on the comma, whichever way the Python release
    reports it.

    >>> def problem(text):
    ...     try:
    ...         json.loads(text)
    ...     except json.JSONDecodeError as exc:
    ...         return json_problem(exc)
    >>> problem('{"kind": "cosine", "lr": 1e-3,}')
    (1, 30, "a comma before '}': JSON allows no comma after the last item")
    >>> problem("[1 2]")
    (1, 4, "expected ',' or the end of the list or object, found '2'")
    """
    text, pos = exc.doc, exc.pos
    comma = _trailing_comma(text, pos)
    if comma is not None:
        closer = text[comma + 1:].lstrip()[:1]
        pos, problem = comma, f"a comma before '{closer}': JSON allows no comma after the last item"
    else:
        words, found = next(((ours, found) for theirs, ours, found in _JSON_WORDS
                             if exc.msg.startswith(theirs)), ("unexpected text", True))
        problem = words
        if found:
            problem += ", found " + (repr(text[pos]) if pos < len(text) else "the end of the text")
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1, problem


def _trailing_comma(text: str, pos: int) -> int | None:
    """The position of a comma that ends a list or object (``[1, 2,]``) at or just before ``pos``."""
    if pos < len(text) and text[pos] in "}]":
        before = text[:pos].rstrip()
        comma = len(before) - 1
    else:
        comma = pos
    if not (0 <= comma < len(text)) or text[comma] != ",":
        return None
    if text[comma + 1:].lstrip()[:1] not in ("}", "]"):
        return None
    previous = text[:comma].rstrip()[-1:]
    return comma if previous and previous not in ":,[{" else None


def load_mapping(path: str) -> tuple[str, dict[str, Any]]:
    """Read and parse a spec file: ``(display name, mapping)``."""
    return mapping_of(read_input(path, SPEC))


#: Suffixes of files that hold a training run as code, read by :mod:`warmupctl.spec.configs.scripts`
#: (shell launch scripts, MMEngine's Python configs) without running them.
SCRIPT_SUFFIXES = (".sh", ".bash", ".slurm", ".sbatch", ".py")


def mapping_of(source: Input) -> tuple[str, dict[str, Any]]:
    """Parse what :func:`~warmupctl.spec.files.read_input` read: ``(display name, mapping)``."""
    if source.name.lower().endswith(SCRIPT_SUFFIXES) or source.text.startswith("#!"):
        from warmupctl.spec.configs.scripts import parse_script_file

        return source.name, parse_script_file(source.text, source.name, source.path)
    return source.name, parse_text(source.text, source.name)
