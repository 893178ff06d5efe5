#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: redis_switchover
short_description: Move the master to a replica through Sentinel without losing acknowledged writes
description:
  - A bare C(SENTINEL FAILOVER) leaves the old master accepting writes until Sentinel converts it, seconds
    later; a replica still attached to it acknowledges them (C(WAIT)), and they vanish when the old master
    resyncs from the new one.
  - This module first checks that O(master_host) reports C(ROLE master), has replicas, is the master a majority
    of the Sentinels name and that no Sentinel has a failover in progress; otherwise it fails and changes nothing.
  - It then pauses writes on the old master (C(CLIENT PAUSE ... WRITE)), waits until every replica has its
    replication offset, asks a Sentinel for C(SENTINEL FAILOVER), waits until a majority of the Sentinels name
    the new master, makes the old master its replica (C(REPLICAOF) + C(CONFIG REWRITE), what Sentinel would do
    later) and only then lets writes resume (C(CLIENT UNPAUSE)). Paused clients then get C(READONLY) and
    reconnect through Sentinel. Writes stay paused only as long as Sentinel takes to promote.
  - The rule is that the old master never takes writes as a master once a Sentinel accepted the failover,
    unless it is certain that the failover was aborted. So when the Sentinels do not agree within O(timeout),
    the module keeps writes paused and re-reads, for up to 5 s, C(ROLE) of the old master and of every candidate
    and C(SENTINEL GET-MASTER-ADDR-BY-NAME) and the C(SENTINEL MASTER) flags of every Sentinel. A replica the
    Sentinels (or the Sentinel running the failover) name, or that reports C(ROLE master) while that failover
    is not known to have ended, is the new master - the old master is made its replica, writes resume, and the
    module fails with RV(state=promoted_after_timeout) naming it. When the Sentinel running the failover is
    idle, a majority still names the old master and no candidate reports C(ROLE master), the failover was
    aborted - writes resume on the old master and the module fails with RV(state=failover_aborted). Anything
    else fails with RV(state=unknown) and leaves the old master paused, neither demoted nor resumed; the message
    says what was seen, until when writes stay paused and what to do before then.
  - The pause is the only thing that keeps the old master from taking writes while the outcome is open, so
    O(pause_ms) must be greater than (O(timeout) + 10) * 1000 - the wait, the 5 s re-reading and 5 s for the
    last replies and commands.
  - Which replica wins is Sentinel's choice; lower the other replicas' C(replica-priority) first to choose.
version_added: 0.1.0
author:
  - Contributors to the hastack.redis project
notes:
  - O(login_host) and O(login_port) are not used; the data-node credentials O(login_user) and O(login_password)
    are used for the old master and the replicas.
  - Every reply counts towards the time the module takes; an unreachable node or Sentinel costs up to
    O(connect_timeout) for each attempt.
options:
  master_host:
    description: Address of the current master, as the Sentinels know it.
    type: str
    required: true
  master_port:
    description: Port of the current master.
    type: int
    default: 6379
  sentinels:
    description: The Sentinels, each with C(host) and C(port).
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description: Sentinel address.
        type: str
        required: true
      port:
        description: Sentinel port.
        type: int
        default: 26379
  master_name:
    description: Name under which the Sentinels monitor the master.
    type: str
    default: mymaster
  pause_ms:
    description:
      - Longest time writes stay paused; they resume earlier, as soon as the old master is a replica (or is known
        to stay the master).
      - Must be greater than (O(timeout) + 10) * 1000.
    type: int
    default: 35000
  timeout:
    description: Seconds to wait for the replicas to catch up and for a majority of the Sentinels to name the new
      master.
    type: float
    default: 20.0
attributes:
  check_mode:
    details:
      - In check mode nothing is paused or sent; the module checks O(pause_ms) against O(timeout), makes the checks
        it makes before a switchover (C(ROLE), C(INFO replication), the Sentinels' view) and returns the old master
        and the candidates.
extends_documentation_fragment:
  - hastack.redis.redis
  - hastack.redis.attributes
  - hastack.redis.redis.sentinel_auth
'''

EXAMPLES = r'''
- name: Switch the master over
  hastack.redis.redis_switchover:
    login_user: admin
    login_password: "{{ redis_password }}"
    master_host: 10.0.0.11
    sentinels:
      - {host: 10.0.0.11}
      - {host: 10.0.0.12}
      - {host: 10.0.0.13}
  no_log: true
  register: switchover

- name: Show what the module found before a real run
  hastack.redis.redis_switchover:
    login_user: admin
    login_password: "{{ redis_password }}"
    master_host: 10.0.0.11
    sentinels: [{host: 10.0.0.11}, {host: 10.0.0.12}, {host: 10.0.0.13}]
  check_mode: true
  no_log: true
  register: plan
'''

RETURN = r'''
state:
  description:
    - How the run ended.
    - V(check_mode) - nothing was done (check mode).
    - V(switched_over) - a majority of the Sentinels named the new master; the old master is its replica.
    - V(promoted_after_timeout) - the Sentinels did not agree within O(timeout), but a replica was promoted;
      the old master is its replica. The module fails.
    - V(not_started) - nothing was sent to Sentinel (the checks failed, the replicas did not catch up or no
      Sentinel accepted C(SENTINEL FAILOVER)); the old master is the master. The module fails.
    - V(failover_aborted) - a Sentinel accepted C(SENTINEL FAILOVER) but aborted it; the old master is the
      master. The module fails.
    - V(demotion_failed) - a replica was promoted but C(REPLICAOF) on the old master failed; writes on the old
      master stay paused until RV(paused_until). The module fails.
    - V(unknown) - it could not be told whether a replica was promoted; the old master was neither demoted nor
      resumed and writes on it stay paused until RV(paused_until). The module fails.
  returned: always
  type: str
  sample: switched_over
old_master:
  description: The master the module started from, as C({host, port}).
  returned: always
  type: dict
  sample: {host: 10.0.0.11, port: 6379}
candidates:
  description: The replicas of the old master as it listed them (C(INFO replication)), with their offsets.
  returned: when the old master could be read
  type: list
  elements: dict
  sample: [{host: 10.0.0.12, port: 6379, offset: 48213}]
new_master:
  description: The master when the module returned, as C({host, port}) - the promoted replica, or the old master
    when no failover took place; V(null) when it could not be told.
  returned: when writes were paused
  type: dict
  sample: {host: 10.0.0.12, port: 6379}
target_promoted:
  description: Whether a node other than the old master became the master; V(null) when it could not be told.
  returned: when writes were paused
  type: bool
old_master_role:
  description: C(ROLE) of the old master when the module returned (C(master) or C(slave)); V(null) when it could
    not be read.
  returned: when writes were paused
  type: str
  sample: slave
failover_sentinel:
  description: The Sentinel that accepted C(SENTINEL FAILOVER) (or whose reply was lost), as C({host, port}).
  returned: when a Sentinel was asked to fail over and did not refuse
  type: dict
paused_at:
  description: Epoch seconds when writes were paused on the old master.
  returned: when writes were paused
  type: float
promoted_at:
  description: Epoch seconds when the new master was first seen (a majority of the Sentinels, or after the
    timeout the Sentinel running the failover or the replica's own C(ROLE)).
  returned: when a replica was promoted
  type: float
resumed_at:
  description: Epoch seconds when writes were let through again (the old master was a replica by then, or known
    to stay the master).
  returned: when writes were resumed
  type: float
write_pause_s:
  description: Seconds writes were paused.
  returned: when writes were resumed
  type: float
paused_until:
  description: Epoch seconds until which writes on the old master stay paused, when the module did not resume
    them.
  returned: when RV(state) is V(unknown) or V(demotion_failed), or C(CLIENT UNPAUSE) failed
  type: float
observed:
  description: What the Sentinels and the nodes reported last, when the outcome had to be re-read after the
    timeout.
  returned: when the Sentinels did not agree within O(timeout)
  type: dict
  contains:
    sentinels:
      description: Per Sentinel C(host), C(port), the C(master) it names, C(failover_in_progress) and C(error).
      type: list
      elements: dict
    nodes:
      description: C(ROLE) of the old master and of every candidate by C(host:port) (V(null) when unreachable).
      type: dict
'''

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.argspec import (
    client_from_module,
    redis_connection_argument_spec,
    sentinel_auth_argument_spec,
    sentinel_client_kwargs,
)
from ansible_collections.hastack.redis.plugins.module_utils.info import parse_info, parse_role, replica_entries
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisConnectionError,
    RedisError,
    scrub_secrets,
)
from ansible_collections.hastack.redis.plugins.module_utils.sentinel import addr_key, get_master_addr, majority_address, master_state

# After ``timeout``: VERIFY_S of re-reading the outcome, the rest a margin for the last replies and commands.
SETTLE_S = 10.0
VERIFY_S = 5.0
POLL_S = 0.05
VERIFY_POLL_S = 0.2
RUNBOOK = "the runbook section 'Ambiguous topology' in the collection README"
ERRORS = (RedisError, RedisConnectionError)


class SwitchoverError(Exception):
    pass


def pause_problem(pause_ms, timeout):
    """Why ``pause_ms`` is too short for ``timeout``, or None."""
    least = int((timeout + SETTLE_S) * 1000)
    if pause_ms > least:
        return None
    return ('pause_ms (%d) must be greater than (timeout + %d) * 1000 = %d: writes stay paused while the module waits '
            'up to timeout (%g s) and then up to %d s more to find out how the failover ended, and only the pause '
            'keeps the old master from taking writes meanwhile. Raise pause_ms or lower timeout.'
            % (pause_ms, SETTLE_S, least, timeout, SETTLE_S))


def replica_list(info):
    """The replicas listed in INFO replication, as dicts with host, port and offset."""
    return [{'host': str(v.get('ip')), 'port': int(v.get('port')), 'offset': int(v.get('offset', 0))}
            for v in replica_entries(info)]


def replicas_caught_up(info):
    """Whether every replica listed in INFO replication has the master's offset."""
    offsets = [r['offset'] for r in replica_list(info)]
    return bool(offsets) and all(o >= int(info.get('master_repl_offset', 0)) for o in offsets)


def classify(view, old, leader):
    """How a failover that Sentinel number ``leader`` accepted has ended, from one observation.

    ``('promoted', addr)``, ``('aborted', old)``, or ``(None, None)`` while it cannot be told.
    """
    sentinels = view['sentinels']
    majority = majority_address([s['addr'] for s in sentinels], len(sentinels))
    lead = sentinels[leader]
    if majority is not None and majority != old:
        return 'promoted', majority
    # the Sentinel running the failover names the replica once it saw it report role master
    if lead['addr'] is not None and lead['addr'] != old:
        return 'promoted', lead['addr']
    masters = sorted(k for k, r in view['roles'].items() if k != old and r is not None and r['role'] == 'master')
    lead_idle = lead['error'] is None and lead['in_progress'] is False
    if len(masters) == 1 and not lead_idle:
        return 'promoted', masters[0]
    old_role = view['roles'].get(old)
    if (lead_idle and lead['addr'] == old and majority == old and not masters
            and not any(s['in_progress'] for s in sentinels)
            and all(r is not None for r in view['roles'].values())
            and old_role is not None and old_role['role'] == 'master'):
        return 'aborted', old
    return None, None


def _addr(key):
    return '%s:%s' % key


def _describe(view):
    parts = []
    for s in view['sentinels']:
        if s['error']:
            parts.append('Sentinel %s: %s' % (_addr(s['key']), s['error']))
        else:
            parts.append('Sentinel %s names %s%s' % (_addr(s['key']), _addr(s['addr']) if s['addr'] else 'no master',
                                                     ', failover_in_progress' if s['in_progress'] else ''))
    for key in sorted(view['roles']):
        role = view['roles'][key]
        parts.append('%s %s' % (_addr(key), 'unreachable' if role is None else 'ROLE ' + role['role']))
    return '; '.join(parts)


def _clock(epoch):
    return time.strftime('%H:%M:%S UTC', time.gmtime(epoch))


class Switchover(object):
    """One switchover. ``master`` and ``sentinels`` are RedisClient-like; ``node_client(host, port)`` makes one
    for a replica. ``result`` holds the return values, also when a step raises SwitchoverError."""

    def __init__(self, master, sentinels, master_name, node_client):
        self.master = master
        self.sentinels = sentinels
        self.name = master_name
        self.node_client = node_client
        self.old = addr_key(master.host, master.port)
        self.nodes = {self.old: master}
        self.candidates = []
        self.leader = None
        self.leader_index = None
        self.pause_end = None
        self.warnings = []
        self.result = {'old_master': self._hp(self.old)}

    @staticmethod
    def _hp(key):
        return {'host': key[0], 'port': key[1]}

    def close(self):
        for client in list(self.nodes.values()) + list(self.sentinels):
            client.close()

    # --- reading -------------------------------------------------------------------------------

    def sentinel_view(self, sentinel):
        view = {'key': addr_key(sentinel.host, sentinel.port), 'addr': None, 'in_progress': None, 'error': None}
        try:
            addr = get_master_addr(sentinel, self.name)
            view['addr'] = addr_key(*addr) if addr else None
            flags = (master_state(sentinel, self.name) or {}).get('flags', '')
            view['in_progress'] = 'failover_in_progress' in str(flags).split(',')
        except ERRORS as exc:
            view['error'] = str(exc)
        return view

    def role_of(self, key):
        if key not in self.nodes:
            self.nodes[key] = self.node_client(key[0], key[1])
        try:
            return parse_role(self.nodes[key].execute('ROLE'))
        except ERRORS + (ValueError, IndexError, TypeError):
            return None

    def observe(self):
        sentinels = [self.sentinel_view(s) for s in self.sentinels]
        keys = [self.old] + [addr_key(c['host'], c['port']) for c in self.candidates]
        keys += [s['addr'] for s in sentinels if s['addr'] and s['addr'] not in keys]
        return {'sentinels': sentinels, 'roles': dict((k, self.role_of(k)) for k in keys)}

    def preflight(self):
        """Checks before anything is changed; fills ``candidates``."""
        role = parse_role(self.master.execute('ROLE'))
        if role['role'] != 'master':
            raise SwitchoverError('%s is not a master (ROLE %s)' % (_addr(self.old), role['role']))
        self.candidates = replica_list(parse_info(self.master.execute('INFO', 'replication')))
        self.result['candidates'] = self.candidates
        if not self.candidates:
            raise SwitchoverError('%s has no replicas' % _addr(self.old))
        views = [self.sentinel_view(s) for s in self.sentinels]
        if majority_address([v['addr'] for v in views], len(views)) != self.old:
            raise SwitchoverError('a majority of the Sentinels do not name %s as the master of %s (%s)' % (
                _addr(self.old), self.name, _describe({'sentinels': views, 'roles': {}})))
        busy = [_addr(v['key']) for v in views if v['in_progress']]
        if busy:
            raise SwitchoverError('a failover is in progress on Sentinel %s' % ', '.join(busy))

    # --- steps --------------------------------------------------------------------------------

    def plan(self):
        """The checks of preflight(), failing with state not_started."""
        try:
            self.preflight()
        except ERRORS + (SwitchoverError, ValueError, IndexError, TypeError) as exc:
            self.result['state'] = 'not_started'
            raise SwitchoverError('switchover of %s did not start, nothing was changed: %s' % (_addr(self.old), exc))

    def run(self, pause_ms, timeout):
        self.plan()
        start = time.monotonic()
        deadline = start + timeout
        self.pause_end = start + pause_ms / 1000.0
        self.result['paused_until'] = time.time() + pause_ms / 1000.0
        try:
            self.master.execute('CLIENT', 'PAUSE', str(pause_ms), 'WRITE')
        except RedisError as exc:
            del self.result['paused_until']
            self.result['state'] = 'not_started'
            raise SwitchoverError('switchover of %s did not start, nothing was changed: CLIENT PAUSE failed: %s'
                                  % (_addr(self.old), exc))
        except RedisConnectionError as exc:
            # the pause may have been applied: lift it
            self.result['paused_at'] = time.time()
            self.resume_as_master('not_started', 'CLIENT PAUSE failed: %s' % exc)
        self.result['paused_at'] = time.time()
        try:
            self.wait_caught_up(deadline, timeout)
            self.send_failover()
        except ERRORS + (SwitchoverError,) as exc:
            self.resume_as_master('not_started', str(exc))
        new = self.wait_majority(deadline)
        if new is not None:
            return self.finish_promoted(new, None)
        outcome, new, view = self.verify(deadline + VERIFY_S)
        self.result['observed'] = {
            'sentinels': [{'host': s['key'][0], 'port': s['key'][1], 'master': _addr(s['addr']) if s['addr'] else None,
                           'failover_in_progress': s['in_progress'], 'error': s['error']} for s in view['sentinels']],
            'nodes': dict((_addr(k), r['role'] if r else None) for k, r in view['roles'].items()),
        }
        late = 'the Sentinels did not agree on a new master within %g s' % timeout
        if outcome == 'promoted':
            return self.finish_promoted(new, late)
        if outcome == 'aborted':
            self.resume_as_master('failover_aborted', '%s: Sentinel %s accepted SENTINEL FAILOVER but aborted it (%s)'
                                  % (late, _addr(self.leader), _describe(view)))
        self.result.update(state='unknown', new_master=None, target_promoted=None)
        self.result['old_master_role'] = (view['roles'].get(self.old) or {}).get('role')
        raise SwitchoverError(
            'switchover of %s: %s, and %g s later it still cannot be told whether a replica was promoted. Seen: %s. '
            '%s was neither demoted nor resumed, so it cannot take writes as a second master: writes on it stay '
            'paused until %s. Before then find the master (SENTINEL GET-MASTER-ADDR-BY-NAME %s on every Sentinel, '
            'ROLE on every node): if a replica was promoted, run REPLICAOF <it> on %s; if not, CLIENT UNPAUSE on %s. '
            'See %s.' % (_addr(self.old), late, VERIFY_S, _describe(view), _addr(self.old),
                         _clock(self.result['paused_until']), self.name, _addr(self.old), _addr(self.old), RUNBOOK))

    def wait_caught_up(self, deadline, timeout):
        while not replicas_caught_up(parse_info(self.master.execute('INFO', 'replication'))):
            if time.monotonic() > deadline:
                raise SwitchoverError('the replicas did not reach the master offset within %g s' % timeout)
            time.sleep(POLL_S)

    def send_failover(self):
        """Ask one Sentinel after the other. A reply lost after sending counts as accepted: it may have started."""
        errors = []
        for sentinel in self.sentinels:
            try:
                sentinel.connect()
            except ERRORS as exc:
                errors.append(str(exc))
                continue
            try:
                sentinel.execute('SENTINEL', 'FAILOVER', self.name)
            except RedisError as exc:
                if exc.code != 'INPROG':
                    errors.append('%s: %s' % (sentinel.address, exc))
                    continue
            except RedisConnectionError:
                pass
            self.leader = addr_key(sentinel.host, sentinel.port)
            self.leader_index = self.sentinels.index(sentinel)
            self.result['failover_sentinel'] = self._hp(self.leader)
            return
        raise SwitchoverError('no Sentinel accepted SENTINEL FAILOVER: %s' % '; '.join(errors))

    def wait_majority(self, deadline):
        while time.monotonic() <= deadline:
            time.sleep(POLL_S)
            addresses = []
            for sentinel in self.sentinels:
                try:
                    addresses.append(get_master_addr(sentinel, self.name))
                except ERRORS:
                    addresses.append(None)
            new = majority_address(addresses, len(self.sentinels))
            if new is not None and new != self.old:
                return new
        return None

    def verify(self, until):
        """Re-read until the outcome is known or ``until``; the old master stays paused meanwhile."""
        while True:
            view = self.observe()
            outcome, new = classify(view, self.old, self.leader_index)
            if outcome is not None or time.monotonic() >= until:
                return outcome, new, view
            time.sleep(VERIFY_POLL_S)

    def finish_promoted(self, new, late):
        """Demote the old master to ``new``, then resume writes."""
        old = _addr(self.old)
        self.result.update(promoted_at=time.time(), new_master=self._hp(new), target_promoted=True)
        expired = time.monotonic() >= self.pause_end
        try:
            self.master.execute('REPLICAOF', new[0], str(new[1]))
        except ERRORS as exc:
            role = self.role_of(self.old)
            self.result.update(state='demotion_failed', old_master_role=role['role'] if role else None)
            raise SwitchoverError(
                'switchover of %s: %s was promoted, but REPLICAOF %s %s on %s failed (%s). %s is left paused, not '
                'resumed, so that it takes no writes as a second master: writes on it stay paused until %s. Before '
                'then run REPLICAOF %s %s on %s. See %s.' % (
                    old, _addr(new), new[0], new[1], old, exc, old, _clock(self.result['paused_until']),
                    new[0], new[1], old, RUNBOOK))
        try:
            self.master.execute('CONFIG', 'REWRITE')
        except ERRORS as exc:
            self.warnings.append('%s is a replica of %s, but CONFIG REWRITE failed (%s): its configuration file still '
                                 'makes it a master at the next start' % (old, _addr(new), exc))
        resumed = self.unpause()
        role = self.role_of(self.old)
        self.result['old_master_role'] = role['role'] if role else None
        if expired:
            self.warnings.append('the pause of %s had ended before it was made a replica: writes it took then are '
                                 'lost' % old)
        if late is None:
            self.result['state'] = 'switched_over'
            return self.result
        self.result['state'] = 'promoted_after_timeout'
        resumed = ('writes were resumed after %s s' % self.result['write_pause_s'] if resumed else
                   'writes could not be resumed: they stay paused until %s, then get READONLY'
                   % _clock(self.result['paused_until']))
        raise SwitchoverError(
            'switchover of %s: %s, but %s was promoted: %s is now its replica (ROLE %s) and %s. The Sentinels still '
            'have to agree on %s; check with playbooks/health.yml.' % (
                old, late, _addr(new), old, self.result['old_master_role'], resumed, _addr(new)))

    def resume_as_master(self, state, reason):
        """Resume writes on the old master, which stays the master (nothing was promoted), and fail."""
        resumed = self.unpause()
        role = self.role_of(self.old)
        self.result.update(state=state, new_master=self._hp(self.old), target_promoted=False,
                           old_master_role=role['role'] if role else None)
        if not resumed:
            what = 'writes could not be resumed and stay paused until %s' % _clock(self.result['paused_until'])
        elif role is None:
            what = 'writes were resumed, but %s did not answer ROLE afterwards' % _addr(self.old)
        elif role['role'] == 'master':
            what = 'writes were resumed and %s is still the master (ROLE master)' % _addr(self.old)
        else:
            what = 'writes were resumed, but %s now reports ROLE %s; see %s' % (_addr(self.old), role['role'], RUNBOOK)
        raise SwitchoverError('switchover of %s failed, %s: %s' % (_addr(self.old), what, reason))

    def unpause(self):
        try:
            self.master.execute('CLIENT', 'UNPAUSE')
        except ERRORS as exc:
            self.warnings.append('CLIENT UNPAUSE on %s failed (%s): writes stay paused until %s'
                                 % (_addr(self.old), exc, _clock(self.result['paused_until'])))
            return False
        self.result['resumed_at'] = time.time()
        self.result['write_pause_s'] = round(self.result['resumed_at'] - self.result['paused_at'], 3)
        del self.result['paused_until']
        return True


def run_module(module):
    p = module.params
    secrets = [p.get('login_password'), p.get('login_password_previous'), p.get('sentinel_password')]
    problem = pause_problem(p['pause_ms'], p['timeout'])
    if problem:
        module.fail_json(msg=problem)
    run = Switchover(
        client_from_module(module, host=p['master_host'], port=p['master_port']),
        [client_from_module(module, host=s['host'], port=s['port'], **sentinel_client_kwargs(p)) for s in p['sentinels']],
        p['master_name'],
        lambda host, port: client_from_module(module, host=host, port=port))
    try:
        if module.check_mode:
            run.plan()
            run.result['state'] = 'check_mode'
        else:
            run.run(p['pause_ms'], p['timeout'])
    except SwitchoverError as exc:
        for warning in run.warnings:
            module.warn(scrub_secrets(warning, secrets))
        module.fail_json(msg=scrub_secrets(str(exc), secrets), changed=run.result['state'] != 'not_started',
                         **run.result)
    finally:
        run.close()
    for warning in run.warnings:
        module.warn(scrub_secrets(warning, secrets))
    module.exit_json(changed=True, **run.result)


def main():
    argument_spec = redis_connection_argument_spec()
    argument_spec.update(sentinel_auth_argument_spec())
    argument_spec.update(
        master_host=dict(type='str', required=True),
        master_port=dict(type='int', default=6379),
        sentinels=dict(type='list', elements='dict', required=True, options=dict(
            host=dict(type='str', required=True),
            port=dict(type='int', default=26379),
        )),
        master_name=dict(type='str', default='mymaster'),
        pause_ms=dict(type='int', default=35000),
        timeout=dict(type='float', default=20.0),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module)


if __name__ == '__main__':
    main()
