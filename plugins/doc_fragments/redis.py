# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # Shared connection options of the hastack.redis modules
    DOCUMENTATION = r'''
options:
  login_host:
    description:
      - Host name or IP address of the Redis server (or Sentinel) to connect to.
    type: str
    default: 127.0.0.1
  login_port:
    description:
      - TCP port of the Redis server (or Sentinel) to connect to.
    type: int
    default: 6379
  login_user:
    description:
      - ACL user name to authenticate as (C(AUTH user password)).
      - When omitted and O(login_password) is set, C(AUTH password) is sent (the C(default) user).
    type: str
  login_password:
    description:
      - Password sent with C(AUTH) right after connecting. No C(AUTH) is sent when omitted.
      - The password is only written to the network connection; it never appears in a command line,
        a returned value or an error message.
    type: str
  login_password_previous:
    description:
      - Password tried when the server refuses O(login_password) with C(WRONGPASS), while a password
        rotation is in progress.
    type: str
  connect_timeout:
    description:
      - Timeout in seconds for connecting and for every reply.
    type: float
    default: 3.0
  connect_wait:
    description:
      - Seconds to keep retrying the connection while the server refuses or drops it (refused, reset, timed
        out), for example right after the service was started; a try every 0.2 seconds, each bounded by
        O(connect_timeout). Applies to every server the module connects to.
      - Authentication errors, TLS errors (the server is listening by then, and a certificate that does not
        verify will not heal) and error replies of Redis fail at once.
      - V(0) does not wait.
    type: float
    default: 0.0
  tls:
    description:
      - Connect with TLS. The server certificate is verified against O(tls_ca_file)
        (or the system trust store) and the host name in O(login_host).
    type: bool
    default: false
  tls_ca_file:
    description:
      - CA bundle used to verify the server certificate when O(tls=true).
    type: path
  tls_cert_file:
    description:
      - Client certificate for TLS client authentication.
    type: path
  tls_key_file:
    description:
      - Private key of O(tls_cert_file).
    type: path
requirements:
  - None on the managed host (the modules use a small built-in Redis protocol client on top of the
    Python standard library).
notes:
  - The modules connect from the managed host, so O(login_host) is resolved and reached from there.
'''

    # Credentials for the Sentinels of modules that talk to data nodes and Sentinels
    SENTINEL_AUTH = r'''
options:
  sentinel_user:
    description:
      - ACL user for the Sentinels, used with O(sentinel_password).
    type: str
  sentinel_password:
    description:
      - Password for the Sentinels.
      - When omitted, the Sentinels get the login credentials (O(login_user), O(login_password) and
        O(login_password_previous)); an empty string connects to them without C(AUTH).
    type: str
'''

    # The port of modules that talk to one Sentinel
    SENTINEL_PORT = r'''
options:
  login_port:
    description:
      - TCP port of the Sentinel to connect to.
    type: int
    default: 26379
'''
