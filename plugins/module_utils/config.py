# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Redis configuration values: units, canonical forms for comparison, config-file quoting.

Pure; standard library only."""

from __future__ import annotations

import re


__all__ = ['parse_memory', 'normalize_config_value', 'MEMORY_CONFIG_KEYS', 'is_immutable_config_error',
           'split_config_args', 'quote_config_arg']


_MEMORY_RE = re.compile(r'^\s*(-?\d+)\s*([kmg]b?|b)?\s*$', re.IGNORECASE)
_MEMORY_UNITS = {
    None: 1, 'b': 1,
    'k': 1000, 'kb': 1024,
    'm': 1000 ** 2, 'mb': 1024 ** 2,
    'g': 1000 ** 3, 'gb': 1024 ** 3,
}


def parse_memory(value):
    """Parse a Redis memory value (``100mb``, ``1g``, ``4096``) into bytes."""
    if isinstance(value, bool):
        raise ValueError('invalid memory value %r: expected an integer with an optional unit '
                         '(k, kb, m, mb, g, gb)' % (value,))
    if isinstance(value, int):
        return value
    match = _MEMORY_RE.match(str(value))
    if not match:
        raise ValueError('invalid memory value %r: expected an integer with an optional unit '
                         '(k, kb, m, mb, g, gb)' % (value,))
    unit = match.group(2).lower() if match.group(2) else None
    return int(match.group(1)) * _MEMORY_UNITS[unit]


#: configuration parameters whose values are byte sizes (compared after unit expansion)
MEMORY_CONFIG_KEYS = frozenset([
    'maxmemory',
    'maxmemory-clients',
    'client-query-buffer-limit',
    'proto-max-bulk-len',
    'repl-backlog-size',
    'active-defrag-ignore-bytes',
    'auto-aof-rewrite-min-size',
    'stream-node-max-bytes',
    'hash-max-ziplist-value',
    'hash-max-listpack-value',
    'set-max-listpack-value',
    'zset-max-ziplist-value',
    'zset-max-listpack-value',
])

_WS_RE = re.compile(r'\s+')


def _scalar_str(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    return _WS_RE.sub(' ', str(value).strip())


def _memory_or_raw(key, text):
    if text.endswith('%'):
        return text
    try:
        return str(parse_memory(text))
    except ValueError:
        return text


def normalize_config_value(key, value):
    """Canonical string form of a config value, to compare desired vs CONFIG GET."""
    key = (key or '').lower()
    if isinstance(value, (list, tuple)):
        text = ' '.join(s for s in (_scalar_str(v) for v in value) if s)
    else:
        text = _scalar_str(value)
    if key in MEMORY_CONFIG_KEYS:
        return _memory_or_raw(key, text)
    if key == 'client-output-buffer-limit':
        tokens = []
        for tok in text.lower().split():
            if tok == 'replica':
                tok = 'slave'
            tokens.append(_memory_or_raw(key, tok) if _MEMORY_RE.match(tok) else tok)
        return ' '.join(tokens)
    if text.lower() in ('yes', 'no'):
        return text.lower()
    return text


def is_immutable_config_error(message):
    """True when a CONFIG SET error means "only settable at startup"."""
    low = (message or '').lower()
    return 'immutable' in low or "can't set" in low or 'cannot set' in low


_ESCAPES = {'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'a': '\a'}


def _double_quoted_escape(line, i):
    """(character, length) of the escape at ``line[i]`` inside double quotes, or None."""
    n = len(line)
    if line[i] == '\\' and i + 3 < n and line[i + 1] == 'x' and re.match(r'[0-9a-fA-F]{2}', line[i + 2:i + 4]):
        return chr(int(line[i + 2:i + 4], 16)), 4
    if line[i] == '\\' and i + 1 < n:
        return _ESCAPES.get(line[i + 1], line[i + 1]), 2
    return None


def _single_quoted_escape(line, i):
    """Inside single quotes only ``\'`` is an escape."""
    if line[i] == '\\' and i + 1 < len(line) and line[i + 1] == "'":
        return "'", 2
    return None


def _read_quoted(line, i, quote, escape):
    """Read a quoted argument from just after its opening quote: ``(text, index after the closing quote)``."""
    n = len(line)
    cur = []
    while True:
        if i >= n:
            raise ValueError('unbalanced quotes in configuration line')
        escaped = escape(line, i)
        if escaped is not None:
            cur.append(escaped[0])
            i += escaped[1]
            continue
        if line[i] == quote:
            i += 1
            if i < n and not line[i].isspace():
                raise ValueError('closing quote must be followed by a space')
            return ''.join(cur), i
        cur.append(line[i])
        i += 1


def split_config_args(line):
    """Split one config-file line like Redis' sdssplitargs (quotes and escapes)."""
    args = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return args
        if line[i] == '"':
            arg, i = _read_quoted(line, i + 1, '"', _double_quoted_escape)
        elif line[i] == "'":
            arg, i = _read_quoted(line, i + 1, "'", _single_quoted_escape)
        else:
            start = i
            while i < n and not line[i].isspace():
                i += 1
            arg = line[start:i]
        args.append(arg)


_CONFIG_ESCAPES = {'\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\a': '\\a', '\b': '\\b'}


def quote_config_arg(value):
    r"""Write ``value`` as one config-file argument that split_config_args (and Redis) read back exactly.

    The form is the one CONFIG REWRITE writes (sdscatrepr): in double quotes,
    with ``\\``, ``\"``, ``\n``, ``\r``, ``\t``, ``\a``, ``\b``, and ``\xHH`` for
    the other ASCII control characters. Characters beyond ASCII are kept as
    they are: the file is UTF-8 and Redis reads them byte for byte (CONFIG
    REWRITE writes them as ``\xHH`` per byte, which means the same).
    """
    out = ['"']
    for c in value:
        escaped = _CONFIG_ESCAPES.get(c)
        if escaped is None:
            escaped = c if ' ' <= c <= '~' or c > '\x7f' else '\\x%02x' % ord(c)
        out.append(escaped)
    out.append('"')
    return ''.join(out)
