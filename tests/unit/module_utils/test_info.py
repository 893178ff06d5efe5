# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""info.py: the replicas a master lists in INFO replication, read in one place."""

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.module_utils.info import parse_info, replica_entries


def test_replica_entries_in_numeric_order_and_only_slave_lines():
    info = parse_info('# Replication\r\nrole:master\r\nconnected_slaves:3\r\n'
                      + ''.join('slave%d:ip=10.0.0.%d,port=6379,state=online,offset=%d,lag=0\r\n' % (n, n + 2, 100 + n)
                                for n in (10, 2, 0))
                      + 'slave_read_repl_offset:1\r\nslaves_total:x\r\nmaster_repl_offset:110\r\n')
    entries = replica_entries(info)
    assert [e['ip'] for e in entries] == ['10.0.0.2', '10.0.0.4', '10.0.0.12']
    assert entries[0] == {'ip': '10.0.0.2', 'port': 6379, 'state': 'online', 'offset': 100, 'lag': 0}


def test_no_replica_entries_on_a_replica():
    assert replica_entries(parse_info('role:slave\r\nmaster_host:10.0.0.1\r\nslave_repl_offset:5\r\n')) == []
