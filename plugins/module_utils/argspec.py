# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connection options every module takes, built once, and the client they describe."""

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisClient

__all__ = ['redis_connection_argument_spec', 'client_from_module', 'sentinel_client_kwargs']


def redis_connection_argument_spec(default_port=6379, sentinel_auth=False):
    """Options shared by all modules (documented in the hastack.redis.redis doc fragment).

    With ``sentinel_auth``, also sentinel_user and sentinel_password, for the modules that talk to data
    nodes and Sentinels (doc fragment hastack.redis.redis.sentinel_auth).
    """
    spec = dict(
        login_host=dict(type='str', default='127.0.0.1'),
        login_port=dict(type='int', default=default_port),
        login_user=dict(type='str'),
        login_password=dict(type='str', no_log=True),
        login_password_previous=dict(type='str', no_log=True),
        connect_timeout=dict(type='float', default=3.0),
        connect_wait=dict(type='float', default=0.0),
        tls=dict(type='bool', default=False),
        tls_ca_file=dict(type='path'),
        tls_cert_file=dict(type='path'),
        tls_key_file=dict(type='path'),
    )
    if sentinel_auth:
        spec.update(sentinel_user=dict(type='str'), sentinel_password=dict(type='str', no_log=True))
    return spec


def client_from_module(module, host=None, port=None, username=None, password=None, use_login_credentials=True,
                       previous_password=None):
    """Build a RedisClient from the shared connection options of ``module``.

    ``host``/``port`` override login_host/login_port. ``username``/``password``
    override login_user/login_password (used for Sentinel credentials).
    """
    p = module.params
    previous = previous_password
    if use_login_credentials:
        username = username if username is not None else p.get('login_user')
        password = password if password is not None else p.get('login_password')
        previous = p.get('login_password_previous')
    return RedisClient(
        host=host if host is not None else p.get('login_host'),
        port=port if port is not None else p.get('login_port'),
        username=username,
        password=password,
        timeout=p.get('connect_timeout'),
        tls=p.get('tls'),
        ca_file=p.get('tls_ca_file'),
        cert_file=p.get('tls_cert_file'),
        key_file=p.get('tls_key_file'),
        previous_password=previous,
        connect_wait=p.get('connect_wait'),
    )


def sentinel_client_kwargs(params):
    """client_from_module() arguments for one Sentinel of a module with the sentinel_auth options.

    Without ``sentinel_password`` the Sentinels get the login credentials (the
    admin user exists on the data nodes and on the Sentinels); an empty
    ``sentinel_password`` means no AUTH.
    """
    if params.get('sentinel_password') is None:
        return dict(username=params.get('login_user'), password=params.get('login_password'),
                    previous_password=params.get('login_password_previous'), use_login_credentials=False)
    return dict(username=params.get('sentinel_user'), password=params.get('sentinel_password') or None,
                previous_password=None, use_login_credentials=False)
