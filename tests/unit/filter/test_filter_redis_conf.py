# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The hastack.redis.redis_conf_quote filter and quote_config_arg behind it.

Whatever the value, split_config_args (our port of Redis' sdssplitargs) reads
the quoted form back as exactly that value, alone or among other arguments of
a line; the form is the one CONFIG REWRITE writes (sdscatrepr). The live
counterpart, with real Redis and Sentinel reading the rendered templates, is
test_live_config_quoting.py.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hastack.redis.plugins.filter.redis_conf_quote import FilterModule, redis_conf_quote
from ansible_collections.hastack.redis.plugins.module_utils.config import quote_config_arg, split_config_args

from collection_path import COLLECTIONS_ROOT

# Everything the config parser treats specially, plus look-alikes of escapes
# (a literal backslash-x-4-1 must not come back as "A").
SPECIALS = ['"', "'", '\\', ' ', '#', '\t', '\n', '\r', '\a', '\b', '\v', '\f', '\x00', '\x01', '\x1b', '\x7f',
            '\\x41', '\\n', '\\"', '""', "''", 'x', 'Z', '0', 'f', ';', '$', '`', '{{', '}}', '%', '=', '/',
            'é', 'ü', '€', '\u00a0', '\u0085', '\u2028', '\ufeff', '日本', '\U0001f511']


def generated_values(count=3000, seed=20240607):
    rng = random.Random(seed)
    values = ['', ' ', '"', "'", '\\', '#', 'ab"cd', 'ab"cd"', 'a\\b', "x'y z#", '\\x41', '"quoted"', "'single'"]
    for _ in range(count):
        values.append(''.join(rng.choice(SPECIALS) for _ in range(rng.randint(0, 12))))
    return values


VALUES = generated_values()


@pytest.mark.parametrize('value, quoted', [
    ('mymaster', '"mymaster"'),
    ('', '""'),
    ('ab"cd', r'"ab\"cd"'),
    ('a\\b', r'"a\\b"'),
    ("x'y z#", '"x\'y z#"'),
    ('\n\r\t\a\b', r'"\n\r\t\a\b"'),
    ('\x00\x01\x1b\x7f\v\f', r'"\x00\x01\x1b\x7f\x0b\x0c"'),
    ('/var/lib/redis-ha', '"/var/lib/redis-ha"'),
    ('pässwörd€', '"pässwörd€"'),
])
def test_quoted_form(value, quoted):
    # ASCII exactly as sdscatrepr (CONFIG REWRITE) writes it; beyond ASCII as is
    assert quote_config_arg(value) == quoted
    assert redis_conf_quote(value) == quoted


def test_every_generated_value_round_trips():
    assert len(set(VALUES)) > 2000
    for value in VALUES:
        quoted = quote_config_arg(value)
        assert split_config_args(quoted) == [value], repr(value)
        # as the value of a directive, and followed by more arguments
        assert split_config_args('masterauth ' + quoted) == ['masterauth', value], repr(value)
        assert split_config_args('sentinel auth-pass %s %s' % (quote_config_arg('my master'), quoted)) == \
            ['sentinel', 'auth-pass', 'my master', value], repr(value)
        # one line of the file: nothing that a reader splits lines on, no NUL
        assert not any(c in quoted for c in '\n\r\x00'), repr(value)


def test_generated_values_in_pairs():
    rng = random.Random(7)
    for _ in range(1000):
        a, b = rng.choice(VALUES), rng.choice(VALUES)
        assert split_config_args('%s %s' % (quote_config_arg(a), quote_config_arg(b))) == [a, b]


def test_numbers_are_written_as_text():
    assert redis_conf_quote(6379) == '"6379"'
    assert redis_conf_quote(0.5) == '"0.5"'


@pytest.mark.parametrize('value', [True, False, None, ['a', 'b'], {'a': 'b'}, b'bytes'])
def test_refused_values_name_the_type_only(value):
    with pytest.raises(AnsibleFilterError) as exc:
        redis_conf_quote(value)
    assert str(exc.value).startswith('redis_conf_quote expects a string or a number, got ')
    assert type(value).__name__ in str(exc.value)


def test_a_refused_secret_is_not_in_the_message():
    with pytest.raises(AnsibleFilterError) as exc:
        redis_conf_quote(['secret-password-123'])
    assert 'secret-password-123' not in str(exc.value)


def test_filter_is_registered():
    assert FilterModule().filters() == {'redis_conf_quote': redis_conf_quote}


def _ansible(tool, *args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0')
    cmd = [os.path.join(os.path.dirname(sys.executable), tool)] + list(args)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=COLLECTIONS_ROOT)


def test_ansible_doc_documents_the_filter():
    proc = _ansible('ansible-doc', '-t', 'filter', '--json', 'hastack.redis.redis_conf_quote')
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)['hastack.redis.redis_conf_quote']
    assert doc['doc']['name'] == 'redis_conf_quote'
    assert doc['doc']['short_description']
    assert doc['examples'] and doc['return']['_value']['type'] == 'str'


def test_ansible_resolves_the_filter_by_its_full_name(tmp_path):
    value = 'ab"cd\\e x\'y #é'
    extra = tmp_path / 'vars.json'
    extra.write_text(json.dumps({'value': value}))
    proc = _ansible('ansible', 'localhost', '-e', '@%s' % extra, '-e', 'ansible_python_interpreter=%s' % sys.executable,
                    '-m', 'ansible.builtin.debug', '-a', 'msg={{ value | hastack.redis.redis_conf_quote }}')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shown = json.loads(proc.stdout.split('=>', 1)[1])['msg']
    assert split_config_args(shown) == [value]
