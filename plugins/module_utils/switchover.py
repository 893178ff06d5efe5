# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A planned switchover: pause writes on the master, SENTINEL FAILOVER, and find out how it ended.

redis_switchover is its module; the checks before it, the steps and the
reading of the outcome are here, each against RedisClient-like objects.
"""

from __future__ import annotations

import time

from ansible_collections.hastack.redis.plugins.module_utils.info import parse_info, parse_role, replica_entries
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisConnectionError, RedisError
from ansible_collections.hastack.redis.plugins.module_utils.sentinel import (
    addr_key,
    get_master_addr,
    majority_address,
    master_state,
    replicas,
)

__all__ = ['Switchover', 'SwitchoverError', 'classify', 'cycle_spread', 'pause_problem', 'replica_list',
           'replicas_caught_up']

# After ``timeout``: VERIFY_S of re-reading the outcome, the rest a margin for the last replies and commands.
SETTLE_S = 10.0
VERIFY_S = 5.0
POLL_S = 0.05
VERIFY_POLL_S = 0.2
# Aligning the start with the INFO cycle of the Sentinel asked first (see Switchover.align): the longest wait, one INFO
# period (10 s) and a margin; the age of that Sentinel's last INFO of the replicas when writes are paused; how far
# apart those INFOs of the replicas Sentinel may promote can lie.
ALIGN_S = 10.5
ALIGN_POLL_S = 0.05
ALIGN_AGE_MS = 600
ALIGN_SPREAD_MS = 250
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


def cycle_spread(ages, period=10000):
    """How far apart, in ms, points of a cycle of ``period`` ms lie: the shortest arc that holds them all."""
    points = sorted(age % period for age in ages)
    gaps = [b - a for a, b in zip(points, points[1:])] + [points[0] + period - points[-1]]
    return period - max(gaps)


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
        self.unreadable = set()
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

    def node(self, key):
        """The client of a data node, made once."""
        if key not in self.nodes:
            self.nodes[key] = self.node_client(key[0], key[1])
        return self.nodes[key]

    def role_of(self, key):
        try:
            return parse_role(self.node(key).execute('ROLE'))
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

    def align(self):
        """Wait, before the pause, for the point in the Sentinel's INFO cycle that lets it see the promotion at once.

        Once a failover starts, the Sentinel running it sends INFO to a replica once a second instead of every 10 s,
        and learns that the replica it promoted is a master only from such an INFO. A replica whose last INFO is older
        than a second gets one at once, before SLAVEOF NO ONE, and the promotion is then seen a second later. Started
        when the Sentinel's last INFO of the replicas is ALIGN_AGE_MS old, none is sent before the promotion (two or
        three of the Sentinel's 50-100 ms ticks after SENTINEL FAILOVER) and the next one, right after it, shows it.

        Reads SENTINEL REPLICAS (``info-refresh``: ms since the last INFO reply) on the Sentinel asked first and
        each candidate's replica-priority (INFO replication), then SENTINEL REPLICAS again until the candidates it
        may promote (priority above 0) had an INFO after this call began and are less than ALIGN_SPREAD_MS apart,
        and every other candidate had one too or will get one when the failover starts (its last is then more than
        a second old): the Sentinel then chooses on the replica-priority set before this call, not on one it read
        earlier. Returns when (``time.monotonic()``) the last INFO of the candidates it may promote will be
        ALIGN_AGE_MS old, or None when a replica or that Sentinel cannot tell, when their INFOs lie too far apart
        in the cycle for the moment ever to come, or when it does not come within ALIGN_S: the switchover then
        starts at once, and is only slower to be seen. Writes are not paused meanwhile.
        """
        sentinel = self.sentinels[0]
        wanted = [addr_key(c['host'], c['port']) for c in self.candidates]
        start = time.monotonic()
        promotable = None
        while True:
            now = time.monotonic()
            try:
                seen = dict((addr_key(r.get('ip'), r.get('port')), r) for r in replicas(sentinel, self.name))
                ages = [int(seen[k]['info-refresh']) for k in wanted]
                if promotable is None:  # once the Sentinel has shown it can tell
                    promotable = [self.replica_priority(k) > 0 for k in wanted]
            except ERRORS + (KeyError, ValueError, TypeError):
                return None
            if not any(promotable):  # Sentinel will refuse: no reason to wait
                return None
            since = (now - start) * 1000
            chosen = [age for age, ok in zip(ages, promotable) if ok]
            fresh = chosen and all(age < since for age in chosen)
            if fresh and max(chosen) - min(chosen) < ALIGN_SPREAD_MS and max(chosen) < ALIGN_AGE_MS:
                lead = ALIGN_AGE_MS - max(chosen)
                if all(age < since or age + lead > 1000 for age in ages):
                    return now + lead / 1000.0
            # their INFOs keep their distance (every 10 s and up to a tick): further apart, the moment never comes
            if now - start > ALIGN_S or (fresh and cycle_spread(chosen) >= ALIGN_SPREAD_MS + 100):
                return None
            time.sleep(ALIGN_POLL_S)

    def replica_priority(self, key):
        return int(parse_info(self.node(key).execute('INFO', 'replication'))['slave_priority'])

    def run(self, pause_ms, timeout):
        self.plan()
        begun = time.monotonic()
        fire = self.align()
        self.result.update(aligned=fire is not None, align_wait_s=round(time.monotonic() - begun, 3))
        if fire is not None:
            self.plan()  # the site may have changed meanwhile
            time.sleep(max(0.0, fire - time.monotonic()))
            self.result['align_wait_s'] = round(time.monotonic() - begun, 3)
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
        """Until every replica has the master's offset.

        The master's INFO learns a replica's offset from its REPLCONF ACK, sent once a second (WAIT, which asks for
        one at once, is held back by the pause itself), so a replica the master still shows behind is asked directly:
        ROLE on a connected replica gives the offset it has processed.
        """
        while True:
            info = parse_info(self.master.execute('INFO', 'replication'))
            offset = int(info.get('master_repl_offset', 0))
            replicas = replica_list(info)
            if replicas and all(r['offset'] >= offset or self.replica_offset(r) >= offset for r in replicas):
                return
            if time.monotonic() > deadline:
                raise SwitchoverError('the replicas did not reach the master offset within %g s' % timeout)
            time.sleep(POLL_S)

    def replica_offset(self, replica):
        """The offset a replica reports having processed (ROLE), or -1 when it cannot say."""
        key = addr_key(replica['host'], replica['port'])
        if key in self.unreadable:
            return -1
        role = self.role_of(key)
        if role is None:
            self.unreadable.add(key)  # not asked again: each try could cost a connect timeout
        if role is None or role['role'] != 'slave' or role['state'] != 'connected':
            return -1
        return role['offset']

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
