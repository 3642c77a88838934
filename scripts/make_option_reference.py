"""Rewrite the "Every option" section of docs/commands.md from the command line's --help.

Run after adding or changing an option: ``python scripts/make_option_reference.py``
(tests/test_docs.py checks that every command and option is documented there).
"""

from __future__ import annotations

from pathlib import Path

import click

from contractgen.cli import cli

DOC = Path(__file__).resolve().parent.parent / "docs" / "commands.md"
HEADING = "## Every option"


def commands(group: click.Group, prefix: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))


def reference() -> str:
    out = [HEADING, "", "Generated from `--help` by `scripts/make_option_reference.py` (`tests/test_docs.py` checks that "
           "every command and option is here).", ""]
    for path, command in commands(cli):
        name = "contractgen " + " ".join(path)
        args = " ".join(p.human_readable_name for p in command.params if isinstance(p, click.Argument))
        out += [f"### `{name}`", "", f"`{name}{' ' + args if args else ''}`: {' '.join((command.help or '').split())}", ""]
        ctx = click.Context(command, info_name=" ".join(path))
        options = [p for p in command.params if isinstance(p, click.Option) and not p.hidden]
        if options:
            out += ["| option | what it does |", "| --- | --- |"]
            for p in options:
                names = ", ".join(f"`{o}`" for o in p.opts)
                meta = "" if p.is_flag else f" {p.make_metavar(ctx)}"
                out.append(f"| {names}{meta} | {' '.join((p.help or '').split()).replace('|', '/')} |")
            out.append("")
    return "\n".join(out)


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(text[: text.index(HEADING)] + reference(), encoding="utf-8", newline="\n")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
