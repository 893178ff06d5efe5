#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: redis_exporter_scrape
short_description: Scrape an exporter's metrics page until it serves and reports the expected values
description:
  - Fetches a Prometheus exporter's metrics page (for example redis_exporter's C(/metrics)) over plain HTTP
    from the host itself, and checks that metrics of the page have the expected values. With C(redis_up 1),
    the exporter runs and can log in to the service it watches.
  - Tries again every half second, for up to O(timeout) seconds, while the page cannot be fetched, does not
    answer 200, or a metric does not have its value yet (an exporter that was just started), all in one
    module call.
  - Reads only; a metric is matched by its name, with or without labels (the first sample counts).
version_added: 0.9.0
author:
  - Contributors to the hastack.redis project
options:
  url:
    description: The page, C(http://<host>:<port>/<path>). IPv6 addresses go in brackets.
    type: str
    required: true
  expect:
    description: Metric names and the value each must have.
    type: dict
    default: {redis_up: 1}
  timeout:
    description: Seconds to keep trying before the module fails with the last thing it saw.
    type: float
    default: 15.0
attributes:
  check_mode:
    support: full
    details:
      - Reads only; it runs in check mode as in a normal run.
extends_documentation_fragment:
  - hastack.redis.attributes
'''

EXAMPLES = r'''
- name: Wait until the exporter reaches its Redis
  hastack.redis.redis_exporter_scrape:
    url: http://127.0.0.1:9121/metrics
    expect:
      redis_up: 1
    timeout: 15
'''

RETURN = r'''
metrics:
  description: The value of each metric of O(expect) on the last page read (absent names are missing).
  returned: always
  type: dict
  sample: {redis_up: 1.0}
status:
  description: The HTTP status of the last answer, 0 when none came.
  returned: always
  type: int
  sample: 200
attempts:
  description: How many times the page was fetched.
  returned: always
  type: int
  sample: 1
'''

import http.client
import re
import time
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule

INTERVAL = 0.5


def parse_url(url):
    """(host, port, path) of a plain HTTP URL; ValueError naming what is wrong."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
        parts = parts._replace(scheme='')
    if parts.scheme != 'http' or not parts.hostname:
        raise ValueError('url=%s is not http://<host>:<port>/<path>' % url)
    path = parts.path or '/'
    if parts.query:
        path += '?' + parts.query
    return parts.hostname, 80 if port is None else port, path


def metric_values(page, names):
    """The value of the first sample of each name in a Prometheus text page."""
    values = {}
    for name in names:
        match = re.search(r'^%s(?:\{[^}]*\})? (\S+)' % re.escape(name), page, re.M)
        if match:
            try:
                values[name] = float(match.group(1))
            except ValueError:
                pass
    return values


def fetch(host, port, path, timeout):
    """(status, body) of one GET."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request('GET', path)
        response = conn.getresponse()
        return response.status, response.read().decode('utf-8', 'replace')
    finally:
        conn.close()


def scrape(url, expect, timeout, clock=time.monotonic, sleep=time.sleep):
    """Fetch until every metric of ``expect`` has its value: (ok, result, problem)."""
    host, port, path = parse_url(url)
    wanted = dict((name, float(value)) for name, value in expect.items())
    deadline = clock() + timeout
    result = dict(metrics={}, status=0, attempts=0)
    while True:
        result['attempts'] += 1
        try:
            status, body = fetch(host, port, path, min(5.0, max(0.5, deadline - clock())))
        except (OSError, http.client.HTTPException) as exc:
            result.update(status=0, metrics={})
            problem = 'cannot fetch %s: %s' % (url, exc)
        else:
            result['status'] = status
            result['metrics'] = metric_values(body, wanted) if status == 200 else {}
            if status != 200:
                problem = '%s answered HTTP %d' % (url, status)
            else:
                wrong = ['%s is %s, expected %g' % (name, result['metrics'].get(name, 'missing'), value)
                         for name, value in sorted(wanted.items()) if result['metrics'].get(name) != value]
                if not wrong:
                    return True, result, None
                problem = '%s: %s' % (url, '; '.join(wrong))
        if clock() + INTERVAL > deadline:
            return False, result, '%s (after %d attempts in %.1f s)' % (problem, result['attempts'], timeout)
        sleep(INTERVAL)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type='str', required=True),
            expect=dict(type='dict', default={'redis_up': 1}),
            timeout=dict(type='float', default=15.0),
        ),
        supports_check_mode=True,
    )
    try:
        parse_url(module.params['url'])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    for name, value in module.params['expect'].items():
        try:
            float(value)
        except (TypeError, ValueError):
            module.fail_json(msg='expect: the value of %s is %r, not a number' % (name, value))
    ok, result, problem = scrape(module.params['url'], module.params['expect'], module.params['timeout'])
    if not ok:
        module.fail_json(msg=problem, changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
