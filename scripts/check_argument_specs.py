#!/usr/bin/env python3
"""Check every role against the collection's conventions.

- defaults/main.yml and meta/argument_specs.yml (entry point main) declare the
  same public variables, and literal defaults agree with the spec;
- every option has a type and a description, lists and dicts say their elements;
- variables carry the role's prefix (redis_common holds the shared redis_* ones);
- the role has a README with an Idempotence section;
- every template starts with the ansible_managed comment.
Exits non-zero and lists every problem found.
"""
from __future__ import annotations

import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent


def check_role(role: pathlib.Path) -> list[str]:
    problems: list[str] = []
    name = role.name
    defaults_file = role / "defaults" / "main.yml"
    spec_file = role / "meta" / "argument_specs.yml"
    defaults = yaml.safe_load(defaults_file.read_text()) if defaults_file.exists() else {}
    defaults = defaults or {}
    if not spec_file.exists():
        return [f"{name}: meta/argument_specs.yml is missing"]
    specs = (yaml.safe_load(spec_file.read_text()) or {}).get("argument_specs", {})
    if "main" not in specs:
        problems.append(f"{name}: argument_specs has no 'main' entry point")
    for entry, spec in specs.items():
        if not spec.get("short_description"):
            problems.append(f"{name}:{entry}: short_description missing")
        for opt, o in (spec.get("options") or {}).items():
            where = f"{name}:{entry}:{opt}"
            if "type" not in o:
                problems.append(f"{where}: no type")
            if not o.get("description"):
                problems.append(f"{where}: no description")
            if o.get("type") == "list" and "elements" not in o:
                problems.append(f"{where}: list without elements")
    options = (specs.get("main") or {}).get("options") or {}
    prefix = "redis_" if name == "redis_common" else name + "_"
    for var in defaults:
        if var.startswith("__"):
            continue
        if not var.startswith(prefix):
            problems.append(f"{name}: default {var} lacks the prefix {prefix}")
        if var not in options:
            problems.append(f"{name}: default {var} is not in argument_specs main")
            continue
        value = defaults[var]
        templated = isinstance(value, str) and "{{" in value
        templated = templated or (isinstance(value, list) and any(isinstance(v, str) and "{{" in v for v in value))
        if not templated and options[var].get("default") != value:
            problems.append(f"{name}: {var} default {value!r} != spec default {options[var].get('default')!r}")
    for var, o in options.items():
        if var not in defaults and not o.get("required"):
            problems.append(f"{name}: option {var} has no default and is not required")
    readme = role / "README.md"
    if not readme.exists():
        problems.append(f"{name}: README.md missing")
    elif "## Idempotence" not in readme.read_text():
        problems.append(f"{name}: README.md has no '## Idempotence' section")
    for tpl in sorted((role / "templates").glob("*.j2")):
        if not tpl.read_text().startswith("{{ ansible_managed | comment }}"):
            problems.append(f"{name}: {tpl.name} does not start with the ansible_managed comment")
    return problems


def main() -> int:
    problems: list[str] = []
    roles = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir())
    for role in roles:
        problems += check_role(role)
    for p in problems:
        print(f"argument-specs: {p}")
    print(f"argument-specs: {len(roles)} roles checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
