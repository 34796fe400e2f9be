#!/usr/bin/env python3
"""The checks of .ci/gunicorn-smoke, against a running server: smoke_checks.py BASE REPORT.

Each check is a JUnit test case in REPORT; prints one line per check. Cookies are kept by hand
(the server marks them Secure, and the requests say https through X-Forwarded-Proto as the TLS
proxy would, while going to gunicorn over plain HTTP on the loopback).
"""

import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from http.cookies import SimpleCookie
from pathlib import Path

BASE, REPORT = sys.argv[1], Path(sys.argv[2])
PROXY = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
cookies: dict[str, str] = {}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)


def request(path, *, data=None, headers=None, proxy=True):
    all_headers = dict(PROXY if proxy else {})
    all_headers.update(headers or {})
    if cookies:
        all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(BASE + path, data=body, headers=all_headers)
    try:
        response = opener.open(req, timeout=60)
    except urllib.error.HTTPError as error:
        response = error
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            cookies[name] = morsel.value
    return response.status, response.headers, response.read()


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def page_and_redirect():
    status, headers, body = request("/accounts/login/")
    check(status == 200, f"login page: {status}")
    html = body.decode()
    check("demo-banner" not in html, "demo banner shown with DEMO_MODE off")
    check("Strict-Transport-Security" in headers, "no HSTS header")
    status, headers, _ = request("/accounts/login/", proxy=False)
    check(status == 301 and headers["Location"].startswith("https://"), "no redirect to HTTPS")
    status, _, body = request("/health/", proxy=False)
    check(status == 200 and body == b"ok\n", f"health: {status}")
    return html


def stylesheet(html):
    found = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', html)
    check(found, "the page does not link a hashed stylesheet")
    status, headers, body = request(found.group(1), headers={"Accept-Encoding": "gzip"})
    check(status == 200, f"stylesheet: {status}")
    check(headers["Content-Type"].startswith("text/css"), headers["Content-Type"])
    check(headers.get("Content-Encoding") == "gzip", "stylesheet not served compressed")
    check("immutable" in headers.get("Cache-Control", ""), headers.get("Cache-Control"))
    check(len(body) > 100, "empty stylesheet")


def api_call():
    token = os.environ["SMOKE_TOKEN"]
    status, headers, body = request(
        "/api/v1/organisations/", headers={"Authorization": f"Token {token}"}
    )
    check(status == 200, f"API: {status} {body[:300]!r}")
    data = json.loads(body)
    check(data["results"], "API: no organisations")
    status, _, _ = request("/api/v1/organisations/")
    check(status == 401, f"API without a token: {status}")


def task_through_the_worker():
    request("/accounts/login/")
    status, headers, _ = request(
        "/accounts/login/",
        data={
            "username": "admin",
            "password": "demo-2025",
            "csrfmiddlewaretoken": cookies["csrftoken"],
        },
        headers={"Referer": "https://127.0.0.1/accounts/login/"},
    )
    check(status == 302, f"log in: {status}")
    request("/oversight/scan/")
    status, headers, _ = request(
        "/oversight/scan/",
        data={"csrfmiddlewaretoken": cookies["csrftoken"]},
        headers={"Referer": "https://127.0.0.1/oversight/scan/"},
    )
    check(status == 302 and "/jobs/" in headers["Location"], f"start the scan: {status}")
    job = urllib.parse.urlsplit(headers["Location"]).path
    deadline = time.monotonic() + 300
    while True:
        status, _, body = request(job + "status/")
        check(status == 200, f"job status: {status}")
        state = json.loads(body)
        if state["status"] in ("succeeded", "failed"):
            break
        check(time.monotonic() < deadline, f"the job did not finish: {state}")
        time.sleep(1)
    check(state["status"] == "succeeded", f"the job failed: {state['error']}")
    status, _, body = request(job)
    check(status == 200 and state["result"]["summary"].encode() in body, "result page")


def main():
    cases = []
    html = ""

    def run(name, func, *args):
        started = time.monotonic()
        try:
            value = func(*args)
            error = None
        except Exception as exc:  # noqa: BLE001 - reported as the case's failure
            value, error = None, f"{type(exc).__name__}: {exc}"
        elapsed = time.monotonic() - started
        print(f"smoke {name}: {'ok' if error is None else 'FAILED ' + error} ({elapsed:.1f} s)")
        cases.append((name, elapsed, error))
        return value

    html = run("page", page_and_redirect) or ""
    run("stylesheet", stylesheet, html)
    run("api", api_call)
    run("task", task_through_the_worker)

    failed = sum(1 for _n, _t, error in cases if error)
    suite = ET.Element("testsuite", name="gunicorn-smoke", tests=str(len(cases)))
    suite.set("failures", str(failed))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    for name, elapsed, error in cases:
        case = ET.SubElement(suite, "testcase", classname="gunicorn", name=name)
        case.set("time", f"{elapsed:.3f}")
        if error:
            ET.SubElement(case, "failure", message=error)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(REPORT, encoding="utf-8", xml_declaration=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
