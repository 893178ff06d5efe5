# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""DOCUMENTATION (with the doc fragment) must match each module's argument_spec."""

from __future__ import annotations

import importlib
import os

import pytest
import yaml

from ansible_collections.hastack.redis.plugins.doc_fragments.redis import ModuleDocFragment

REPO_ROOT_FOR_DOCS = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
MODULES = sorted(os.path.splitext(f)[0] for f in os.listdir(os.path.join(REPO_ROOT_FOR_DOCS, 'plugins', 'modules'))
                 if f.endswith('.py') and not f.startswith('_'))


class _Captured(Exception):
    pass


def argument_spec_of(mod, monkeypatch):
    captured = {}

    class StubModule(object):
        def __init__(self, argument_spec, **kwargs):
            captured['spec'] = argument_spec
            captured['kwargs'] = kwargs
            raise _Captured()

    monkeypatch.setattr(mod, 'AnsibleModule', StubModule)
    with pytest.raises(_Captured):
        mod.main()
    return captured['spec'], captured['kwargs']


def documented_options(mod):
    doc = yaml.safe_load(mod.DOCUMENTATION)
    options = {}
    for fragment in doc['extends_documentation_fragment']:
        if fragment.startswith('hastack.redis.redis'):
            # hastack.redis.redis -> DOCUMENTATION, hastack.redis.redis.<name> -> <NAME>
            attribute = fragment.split('.')[3].upper() if fragment.count('.') == 3 else 'DOCUMENTATION'
            for name, spec in yaml.safe_load(getattr(ModuleDocFragment, attribute))['options'].items():
                # as ansible's plugin_docs.merge_fragment: what an earlier fragment says wins
                merged = dict(spec)
                merged.update(options.get(name, {}))
                options[name] = merged
    for name, spec in doc.get('options', {}).items():
        # same per-option shallow merge as ansible's plugin_docs.merge_fragment
        merged = dict(options.get(name, {}))
        merged.update(spec)
        options[name] = merged
    return doc, options


def compare(spec, docs, path):
    assert sorted(spec) == sorted(docs), path
    for name, s in spec.items():
        d = docs[name]
        where = '%s.%s' % (path, name)
        assert d.get('type', 'str') == s.get('type', 'str'), where
        assert d.get('required', False) == s.get('required', False), where
        assert d.get('default') == s.get('default'), where
        assert d.get('elements') == s.get('elements'), where
        assert d.get('description'), where
        if 'options' in s:
            compare(s['options'], d['suboptions'], where)


@pytest.mark.parametrize('name', MODULES)
def test_documentation_matches_argument_spec(name, monkeypatch):
    mod = importlib.import_module('ansible_collections.hastack.redis.plugins.modules.%s' % name)
    spec, kwargs = argument_spec_of(mod, monkeypatch)
    doc, options = documented_options(mod)
    assert doc['module'] == name
    # the modules that talk to Redis take its connection options from the shared fragment
    assert ('login_port' in spec) == ('hastack.redis.redis' in doc['extends_documentation_fragment'])
    assert kwargs.get('supports_check_mode') is True
    compare(spec, options, name)
    yaml.safe_load(mod.EXAMPLES)
    assert isinstance(yaml.safe_load(mod.RETURN), dict)


@pytest.mark.parametrize('name', MODULES)
def test_secret_options_are_no_log(name, monkeypatch):
    mod = importlib.import_module('ansible_collections.hastack.redis.plugins.modules.%s' % name)
    spec, dummy = argument_spec_of(mod, monkeypatch)
    for option, s in spec.items():
        if 'password' in option or option.endswith('_pass'):
            assert s.get('no_log') is True, option


@pytest.mark.parametrize('name', MODULES)
def test_attributes_come_from_the_shared_fragment(name):
    """Every module declares check_mode/diff_mode/platform through hastack.redis.attributes, and only adds details."""
    from ansible_collections.hastack.redis.plugins.doc_fragments.attributes import ModuleDocFragment as Attributes

    mod = importlib.import_module('ansible_collections.hastack.redis.plugins.modules.%s' % name)
    doc = yaml.safe_load(mod.DOCUMENTATION)
    assert 'hastack.redis.attributes' in doc['extends_documentation_fragment']
    shared = yaml.safe_load(Attributes.DOCUMENTATION)['attributes']
    for attribute, own in (doc.get('attributes') or {}).items():
        assert attribute in shared, (name, attribute)
        assert 'description' not in own, (name, attribute)


@pytest.mark.parametrize('name', MODULES)
def test_own_options_do_not_replace_the_connection_options(name, monkeypatch):
    """A module's own option must not reuse a shared connection option's name.

    The shared one reaches the client of every connection (client_from_module):
    a module option of the same name, say a 60 s wait for a stable view, would
    make each connection to a dead node retry that long.
    """
    from ansible_collections.hastack.redis.plugins.module_utils.argspec import redis_connection_argument_spec

    mod = importlib.import_module('ansible_collections.hastack.redis.plugins.modules.%s' % name)
    spec, dummy = argument_spec_of(mod, monkeypatch)
    if 'login_port' not in spec:
        return
    shared = redis_connection_argument_spec(sentinel_auth=True)
    for option, s in spec.items():
        if option in shared and option != 'login_port':
            assert s == shared[option], '%s: its own %s replaces the connection option' % (name, option)
