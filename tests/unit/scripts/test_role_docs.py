# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""scripts/role_docs.py writes the README variable tables from the argument spec, and --check catches drift."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'scripts', 'role_docs.py'))

SPEC = textwrap.dedent('''\
    ---
    argument_specs:
      main:
        short_description: A tiny role
        options:
          tiny_port:
            type: int
            description: TCP port.
            default: 6379
          tiny_mode:
            type: str
            description: How it runs.
            choices: [fast, 'no']
            default: fast
          tiny_hosts:
            type: list
            elements: str
            description: Hosts | with a pipe.
            default: [a, b]
          tiny_secret:
            type: str
            description: A secret.
            required: true
            no_log: true
          tiny_dir:
            type: str
            description: Directory, templated in defaults only.
      other:
        short_description: Nothing to set
        options: {}
    ''')

DEFAULTS = textwrap.dedent('''\
    ---
    tiny_port: 6379
    tiny_mode: fast
    tiny_hosts: [a, b]
    tiny_dir: "{{ playbook_dir }}/tiny"
    ''')

README = textwrap.dedent('''\
    # tiny

    Hand-written introduction.

    ## Role variables

    <!-- BEGIN generated: variables -->
    old table
    <!-- END generated: variables -->

    ## Idempotence

    Hand-written text after the table.
    ''')


def make_role(tmp_path, readme=README):
    role = tmp_path / 'roles' / 'tiny'
    (role / 'meta').mkdir(parents=True)
    (role / 'defaults').mkdir()
    (role / 'meta' / 'argument_specs.yml').write_text(SPEC)
    (role / 'defaults' / 'main.yml').write_text(DEFAULTS)
    (role / 'README.md').write_text(readme)
    return role


def run(tmp_path, *args):
    return subprocess.run([sys.executable, SCRIPT, '--roles-dir', str(tmp_path / 'roles')] + list(args),
                          capture_output=True, text=True, check=False)


def test_tables_from_the_spec(tmp_path):
    role = make_role(tmp_path)
    result = run(tmp_path)
    assert result.returncode == 0, result.stderr
    text = (role / 'README.md').read_text()
    assert 'old table' not in text
    assert text.startswith('# tiny\n\nHand-written introduction.\n\n## Role variables\n\n')
    assert text.endswith('<!-- END generated: variables -->\n\n## Idempotence\n\nHand-written text after the table.\n')
    assert '### Entry point `main`\n\nA tiny role.\n' in text
    assert '| variable | type | default | required | description |' in text
    assert '| `tiny_port` | int | `6379` | no | TCP port. |' in text
    assert '| `tiny_mode` | str | `fast` | no | How it runs. Choices: `fast`, `no`. |' in text
    assert '| `tiny_hosts` | list of str | `["a", "b"]` | no | Hosts \\| with a pipe. |' in text
    assert '| `tiny_secret` | str | – | yes | A secret. Never logged (`no_log`). |' in text
    # a default the spec leaves out is taken from defaults/main.yml, for main only
    assert '| `tiny_dir` | str | `{{ playbook_dir }}/tiny` | no |' in text
    assert '### Entry point `other`\n\nNothing to set.\n\nNo variables.\n' in text


def test_second_run_changes_nothing(tmp_path):
    role = make_role(tmp_path)
    assert run(tmp_path).returncode == 0
    first = (role / 'README.md').read_text()
    second_run = run(tmp_path)
    assert second_run.returncode == 0
    assert 'wrote' not in second_run.stdout
    assert (role / 'README.md').read_text() == first
    assert run(tmp_path, '--check').returncode == 0


def test_check_fails_on_a_stale_readme_and_changes_nothing(tmp_path):
    role = make_role(tmp_path)
    assert run(tmp_path).returncode == 0
    spec = role / 'meta' / 'argument_specs.yml'
    spec.write_text(spec.read_text().replace('description: TCP port.', 'description: TCP port of Redis.'))
    before = (role / 'README.md').read_text()
    result = run(tmp_path, '--check')
    assert result.returncode == 1
    assert 'roles/tiny/README.md' in result.stderr
    assert 'python scripts/role_docs.py' in result.stderr
    assert (role / 'README.md').read_text() == before
    assert run(tmp_path).returncode == 0
    assert 'TCP port of Redis.' in (role / 'README.md').read_text()


def test_check_fails_without_markers(tmp_path):
    role = make_role(tmp_path, readme='# tiny\n\n## Role variables\n\n| hand | table |\n')
    result = run(tmp_path, '--check')
    assert result.returncode == 1
    assert 'roles/tiny/README.md' in result.stderr
    assert 'markers' in result.stderr and 'missing' in result.stderr
    # rewriting does not guess where the tables go either
    assert run(tmp_path).returncode == 1
    assert (role / 'README.md').read_text() == '# tiny\n\n## Role variables\n\n| hand | table |\n'
