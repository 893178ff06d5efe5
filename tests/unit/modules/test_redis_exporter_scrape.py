# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""redis_exporter_scrape against a real HTTP server on loopback."""

from __future__ import annotations

import http.server
import threading

import pytest

from ansible_collections.hastack.redis.plugins.modules import redis_exporter_scrape
from loopback import free_port

PAGE_UP = '# HELP redis_up Information about the Redis instance\n# TYPE redis_up gauge\nredis_up 1\n' \
          'redis_connected_clients 3\nredis_db_keys{db="db0"} 42\n'
PAGE_DOWN = 'redis_up 0\n'


class Exporter(object):
    """A metrics page on 127.0.0.1 whose status and body a test sets."""

    def __init__(self, port):
        self.status, self.body, self.requests = 200, PAGE_UP, 0
        exporter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                exporter.requests += 1
                data = exporter.body.encode()
                self.send_response(exporter.status)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(('127.0.0.1', port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def exporter():
    server = Exporter(free_port())
    yield server
    server.close()


def url_of(server):
    return 'http://127.0.0.1:%d/metrics' % server.server.server_address[1]


def run(run_module, **args):
    return run_module(redis_exporter_scrape.main, args)


def test_up_page_passes_at_once(run_module, exporter):
    result = run(run_module, url=url_of(exporter), expect={'redis_up': 1, 'redis_db_keys': 42}, timeout=2)
    assert result['_rc'] == 0, result
    assert result['changed'] is False
    assert result['metrics'] == {'redis_up': 1.0, 'redis_db_keys': 42.0}
    assert result['status'] == 200 and result['attempts'] == 1 == exporter.requests


def test_service_down_fails_naming_the_value(run_module, exporter):
    exporter.body = PAGE_DOWN
    result = run(run_module, url=url_of(exporter), timeout=1)
    assert result['_rc'] == 1
    assert 'redis_up is 0.0, expected 1' in result['msg'], result['msg']
    assert result['attempts'] >= 2 and exporter.requests == result['attempts']


def test_missing_metric_and_http_error(run_module, exporter):
    exporter.body = 'other_metric 1\n'
    result = run(run_module, url=url_of(exporter), timeout=0)
    assert result['_rc'] == 1 and 'redis_up is missing, expected 1' in result['msg'], result['msg']
    exporter.status = 503
    result = run(run_module, url=url_of(exporter), timeout=0)
    assert result['_rc'] == 1 and 'answered HTTP 503' in result['msg'] and result['status'] == 503


def test_waits_for_an_exporter_that_starts_late(run_module):
    port = free_port()
    started = []

    def start():
        started.append(Exporter(port))

    timer = threading.Timer(0.7, start)
    timer.start()
    try:
        result = run(run_module, url='http://127.0.0.1:%d/metrics' % port, timeout=10)
    finally:
        timer.join()
        for server in started:
            server.close()
    assert result['_rc'] == 0, result
    # the first tries found nothing listening
    assert result['attempts'] >= 2 and started[0].requests == 1


def test_nothing_listening_fails_with_the_connection_error(run_module):
    result = run(run_module, url='http://127.0.0.1:%d/metrics' % free_port(), timeout=0)
    assert result['_rc'] == 1
    assert result['msg'].startswith('cannot fetch http://127.0.0.1:') and result['status'] == 0


@pytest.mark.parametrize('url', ['https://127.0.0.1:9121/metrics', '127.0.0.1:9121', 'http://:9121/', 'http://h:x/'])
def test_a_url_that_is_not_plain_http_fails_before_any_request(run_module, url):
    result = run(run_module, url=url)
    assert result['_rc'] == 1 and result['msg'] == 'url=%s is not http://<host>:<port>/<path>' % url


def test_a_value_that_is_not_a_number_fails(run_module, exporter):
    result = run(run_module, url=url_of(exporter), expect={'redis_up': 'yes'})
    assert result['_rc'] == 1 and result['msg'] == "expect: the value of redis_up is 'yes', not a number"
    assert exporter.requests == 0


def test_metric_values_takes_the_first_sample_of_a_name():
    page = 'redis_upx 5\nredis_up{instance="a"} 0\nredis_up 1\nbad NaNx\n'
    assert redis_exporter_scrape.metric_values(page, ['redis_up', 'bad', 'absent']) == {'redis_up': 0.0}


def test_parse_url_keeps_ipv6_and_query():
    assert redis_exporter_scrape.parse_url('http://[::1]:9121/metrics?x=1') == ('::1', 9121, '/metrics?x=1')
    assert redis_exporter_scrape.parse_url('http://host') == ('host', 80, '/')
