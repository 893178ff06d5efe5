#!/usr/bin/env python3
"""Write the variable tables of every role README from its meta/argument_specs.yml.

Each roles/<role>/README.md carries the tables between two marker lines:

    <!-- BEGIN generated: variables -->
    <!-- END generated: variables -->

Everything between them is replaced by one table per entry point of the argument
spec (variable, type, default, required, description, choices); the rest of the
README stays as written.

    python scripts/role_docs.py           rewrite the READMEs that are out of date
    python scripts/role_docs.py --check   change nothing; exit 1 naming every README
                                          that is out of date or has no markers

Standard library and PyYAML only.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
BEGIN = "<!-- BEGIN generated: variables -->"
END = "<!-- END generated: variables -->"
NOTE = "<!-- Generated from meta/argument_specs.yml by scripts/role_docs.py: do not edit by hand. -->"
REGENERATE = "python scripts/role_docs.py"
# a default longer than this is not inlined in the table
MAX_DEFAULT = 100


class DocsError(Exception):
    """A README that cannot be generated (no markers, markers out of order)."""


def cell(text: str) -> str:
    """One Markdown table cell: one line, pipes escaped (also inside code spans)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def code(value: str) -> str:
    return "`" + value + "`"


def yaml_scalar(value) -> str:
    """A value as it would be written in YAML: true/false, numbers, strings as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return value if value else '""'
    return str(value)


def render_default(option: dict, role_default=None) -> str:
    if "default" in option:
        value, source = option["default"], "meta/argument_specs.yml"
    elif role_default is not None:
        # a templated default lives in defaults/main.yml only
        value, source = role_default, "defaults/main.yml"
    else:
        return "–"
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False)
        if len(text) > MAX_DEFAULT:
            return f"see `{source}`"
        return code(text)
    return code(yaml_scalar(value))


def render_type(option: dict) -> str:
    kind = option.get("type", "str")
    if option.get("elements"):
        return f"{kind} of {option['elements']}"
    return kind


def render_description(option: dict) -> str:
    description = option.get("description", "")
    if isinstance(description, list):
        description = " ".join(description)
    parts = [description.strip()]
    if option.get("choices"):
        parts.append("Choices: " + ", ".join(code(yaml_scalar(c)) for c in option["choices"]) + ".")
    if option.get("no_log"):
        parts.append("Never logged (`no_log`).")
    return " ".join(p for p in parts if p)


def option_rows(options: dict, defaults: dict, prefix: str = "") -> list[str]:
    rows = []
    for name, option in options.items():
        option = option or {}
        full = prefix + name
        rows.append("| " + " | ".join(cell(c) for c in (
            code(full),
            render_type(option),
            render_default(option, defaults.get(full)),
            "yes" if option.get("required") else "no",
            render_description(option),
        )) + " |")
        if option.get("options"):
            rows += option_rows(option["options"], {}, full + ".")
    return rows


def render(specs: dict, defaults: dict | None = None) -> str:
    """The text between the markers for one role's argument_specs.

    defaults (the role's defaults/main.yml) fills in, for the main entry point
    only, a default the spec leaves out (a templated one).
    """
    defaults = defaults or {}
    lines = [NOTE, ""]
    for entry, spec in specs.items():
        spec = spec or {}
        lines.append(f"### Entry point `{entry}`")
        lines.append("")
        short = " ".join(str(spec.get("short_description", "")).split())
        if short:
            lines.append(short.rstrip(".") + ".")
            lines.append("")
        options = spec.get("options") or {}
        if not options:
            lines.append("No variables.")
            lines.append("")
            continue
        lines.append("| variable | type | default | required | description |")
        lines.append("| --- | --- | --- | --- | --- |")
        lines += option_rows(options, defaults if entry == "main" else {})
        lines.append("")
    return "\n".join(lines)


def load_specs(role: pathlib.Path) -> dict:
    data = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text()) or {}
    return data.get("argument_specs") or {}


def load_defaults(role: pathlib.Path) -> dict:
    path = role / "defaults" / "main.yml"
    return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}


def updated_readme(text: str, block: str, where: str) -> str:
    """The README text with the generated block between the markers replaced."""
    begin = [m.start() for m in re.finditer(re.escape(BEGIN), text)]
    end = [m.start() for m in re.finditer(re.escape(END), text)]
    if not begin or not end:
        raise DocsError(
            f"{where}: the markers '{BEGIN}' and '{END}' are missing; put both lines under "
            f"'## Role variables' (in place of any hand-written table), then run: {REGENERATE}")
    if len(begin) > 1 or len(end) > 1 or end[0] < begin[0]:
        raise DocsError(f"{where}: expected one '{BEGIN}' followed by one '{END}'")
    head = text[:begin[0] + len(BEGIN)]
    tail = text[end[0]:]
    return head + "\n" + block + "\n" + tail


def roles_with_specs(roles_dir: pathlib.Path) -> list[pathlib.Path]:
    return sorted(p for p in roles_dir.iterdir()
                  if p.is_dir() and (p / "meta" / "argument_specs.yml").is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; fail when a README is out of date or has no markers")
    parser.add_argument("--roles-dir", type=pathlib.Path, default=ROOT / "roles",
                        help="directory holding the roles (default: the collection's roles/)")
    args = parser.parse_args(argv)

    problems: list[str] = []
    written: list[str] = []
    roles = roles_with_specs(args.roles_dir)
    for role in roles:
        readme = role / "README.md"
        where = f"roles/{role.name}/README.md"
        if not readme.is_file():
            problems.append(f"{where} is missing")
            continue
        text = readme.read_text()
        try:
            new = updated_readme(text, render(load_specs(role), load_defaults(role)), where)
        except DocsError as exc:
            problems.append(str(exc))
            continue
        if new == text:
            continue
        if args.check:
            problems.append(f"{where}: the variable tables differ from meta/argument_specs.yml; "
                            f"regenerate them with: {REGENERATE}")
        else:
            readme.write_text(new)
            written.append(where)
    for where in written:
        print(f"role-docs: wrote {where}")
    for problem in problems:
        print(f"role-docs: {problem}", file=sys.stderr)
    print(f"role-docs: {len(roles)} role(s), {len(written)} README(s) written, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
