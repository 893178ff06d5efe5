#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Write to the local Redis over loopback and record which writes it accepted.

The ``partition`` drill runs this on the master it cuts off: loopback stays
open, so the writer sees what a client on the master's side of the partition
sees. Writes the master accepts after the cut are lost when it rejoins as a
replica of the new master; ``min-replicas-to-write`` / ``min-replicas-max-lag``
bound how long it accepts them. The drill reads the output and reports
"writes accepted by the isolated master" after the cut.

Python standard library only (the hosts have no redis-py). The password comes
from the environment variable named by --password-env, never the command line.

Output (JSON, written when it stops): ``accepted`` (epoch seconds of every
accepted write), ``refused`` (error prefix -> count), ``attempts``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import sys
import time


def encode(*args):
    out = [b'*%d\r\n' % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b'$%d\r\n%s\r\n' % (len(data), data))
    return b''.join(out)


class Connection(object):
    def __init__(self, port, tls_ca, timeout):
        sock = socket.create_connection(('127.0.0.1', port), timeout=timeout)
        if tls_ca:
            context = ssl.create_default_context(cafile=tls_ca)
            sock = context.wrap_socket(sock, server_hostname='127.0.0.1')
        self.sock = sock
        self.reader = sock.makefile('rb')

    def call(self, *args):
        self.sock.sendall(encode(*args))
        line = self.reader.readline()
        if not line:
            raise ConnectionError('connection closed')
        if line.startswith(b'-'):
            return False, line[1:].strip().decode(errors='replace')
        if line.startswith(b'$'):
            size = int(line[1:])
            if size >= 0:
                self.reader.read(size + 2)
        return True, None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--username', required=True)
    parser.add_argument('--password-env', required=True)
    parser.add_argument('--tls-ca', default=None)
    parser.add_argument('--key-prefix', required=True)
    parser.add_argument('--rate', type=float, default=20.0)
    parser.add_argument('--duration', type=float, default=120.0)
    parser.add_argument('--stop-file', required=True)
    parser.add_argument('--out', required=True)
    args = parser.parse_args(argv)
    password = os.environ.get(args.password_env, '')

    accepted, refused, attempts = [], {}, 0
    conn = None
    end = time.time() + args.duration
    interval = 1.0 / args.rate
    while time.time() < end and not os.path.exists(args.stop_file):
        attempts += 1
        t = time.time()
        try:
            if conn is None:
                conn = Connection(args.port, args.tls_ca, timeout=1.0)
                ok, err = conn.call('AUTH', args.username, password)
                if not ok:
                    raise ConnectionError('AUTH refused: %s' % err.split(' ')[0])
            ok, err = conn.call('SET', '%s:%d' % (args.key_prefix, attempts), attempts, 'PX', 600000)
            if ok:
                accepted.append(round(t, 3))
            else:
                kind = err.split(' ')[0]
                refused[kind] = refused.get(kind, 0) + 1
        except (OSError, ConnectionError, ValueError) as exc:
            kind = type(exc).__name__
            refused[kind] = refused.get(kind, 0) + 1
            if conn is not None:
                conn.close()
            conn = None
        time.sleep(max(0.0, interval - (time.time() - t)))
    if conn is not None:
        conn.close()
    tmp = args.out + '.tmp'
    with open(tmp, 'w') as f:
        json.dump({'accepted': accepted, 'refused': refused, 'attempts': attempts}, f)
    os.replace(tmp, args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
