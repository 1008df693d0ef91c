#!/usr/bin/env python3
"""Checks that the Grafana dashboard and the alert rules name only metrics a
real phid daemon exports.

  check_metric_names.py PHID_BINARY DEPLOY_DIR

Starts two daemons (127.0.2.22 and 127.0.2.23, ports 18510-18512) that gossip
with each other, reads the first one's live /metrics, and checks every metric
name in deploy/grafana/phid.json (panel queries and template variables) and
in deploy/prometheus/phid.rules.yml (names with a colon must be recording
rules defined there). Metric names are taken from PromQL by a small scanner,
tested here too. Writes JUnit XML to $XML_OUTPUT_FILE when Bazel sets it.
"""
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import junit_runner

PHID = ""
DEPLOY = ""
METRICS_TEXT = ""
DAEMONS = []
LOG_DIR = None

IP_A, IP_B = "127.0.2.22", "127.0.2.23"
GOSSIP_PORT, GRPC_PORT, METRICS_PORT = 18510, 18511, 18512

# PromQL words that are neither metric nor function names.
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "inf", "nan"}
# Followed by a parenthesized list of label names, not of expressions.
LABEL_LIST_WORDS = ("by", "without", "on", "ignoring", "group_left",
                    "group_right")
IDENTIFIER = r"[A-Za-z_:][A-Za-z0-9_:]*"


def metric_names(expr):
    """The metric names an expression selects (PromQL, or Grafana's
    label_values(selector, label))."""
    text = expr
    # Grafana template query: only its selector names a metric.
    match = re.fullmatch(r"\s*label_values\((.*),\s*" + IDENTIFIER + r"\s*\)\s*",
                         text, re.S)
    if match:
        text = match.group(1)
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', text)
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges, subqueries
    words = "|".join(LABEL_LIST_WORDS)
    text = re.sub(r"\b(" + words + r")\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w:.$])(" + IDENTIFIER + r")(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name in KEYWORDS:
            continue
        names.add(name)
    return names


def exported_names(metrics_text):
    """Metric names with at least one sample in a Prometheus text exposition."""
    names = set()
    for line in metrics_text.splitlines():
        if line and not line.startswith("#"):
            names.add(re.match(IDENTIFIER, line).group(0))
    return names


def dashboard_queries(dashboard):
    """(where, query) for every panel target and query template variable."""
    queries = []

    def panels(items):
        for panel in items:
            yield panel
            yield from panels(panel.get("panels", []))

    for panel in panels(dashboard.get("panels", [])):
        for target in panel.get("targets", []):
            queries.append((f"panel '{panel['title']}' {target['refId']}",
                            target["expr"]))
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable["query"]
            if isinstance(query, dict):
                query = query["query"]
            queries.append((f"variable ${variable['name']}", query))
    return queries


def rule_expressions(rules):
    """(where, expr) for every rule, and the names of the recording rules."""
    exprs, recorded = [], set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            name = rule.get("record") or rule.get("alert")
            exprs.append((f"rule {name}", rule["expr"]))
            if "record" in rule:
                recorded.add(rule["record"])
    return exprs, recorded


def unknown_names(queries, exported, recorded=frozenset()):
    """[(where, name)] for each name that is neither exported nor recorded;
    a query naming no metric at all counts as (where, None)."""
    unknown = []
    for where, query in queries:
        names = metric_names(query)
        if not names:
            unknown.append((where, None))
        for name in sorted(names):
            if name not in exported and name not in recorded:
                unknown.append((where, name))
    return unknown


def scrape(ip):
    with urllib.request.urlopen(f"http://{ip}:{METRICS_PORT}/metrics",
                                timeout=2) as response:
        return response.read().decode()


def die_with_parent():
    # PR_SET_PDEATHSIG: no daemon outlives a killed test.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def setUpModule():
    global METRICS_TEXT, LOG_DIR
    LOG_DIR = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    # A shared keyring, so the keyring families have samples too.
    keyring = os.path.join(LOG_DIR, "keyring")
    with open(keyring, "w") as f:
        f.write(os.urandom(32).hex() + "\n")
    for name, ip in (("dash-a", IP_A), ("dash-b", IP_B)):
        log = open(os.path.join(LOG_DIR, f"{name}.log"), "w")
        DAEMONS.append(subprocess.Popen(
            [PHID, f"--name={name}", f"--bind={ip}:{GOSSIP_PORT}",
             f"--seeds={IP_A}:{GOSSIP_PORT}", f"--grpc_address={ip}:{GRPC_PORT}",
             f"--metrics_address={ip}:{METRICS_PORT}", "--preset=local",
             f"--keyring={keyring}"],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent))
    # Until a sees b: then every family, phid_peer_phi included, has samples.
    deadline = time.monotonic() + 20
    while True:
        try:
            METRICS_TEXT = scrape(IP_A)
            if 'phid_peer_phi{peer="dash-b"}' in METRICS_TEXT:
                return
        except OSError:
            pass
        for daemon in DAEMONS:
            if daemon.poll() is not None:
                raise RuntimeError(f"phid exited: {daemon.args}; logs in {LOG_DIR}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"dash-a never reported dash-b; logs in {LOG_DIR}")
        time.sleep(0.1)


def tearDownModule():
    for daemon in DAEMONS:
        daemon.kill()
        daemon.wait()


class MetricNamesTest(unittest.TestCase):
    """The scanner itself."""

    def test_finds_the_metric_in_a_selector_with_labels(self):
        self.assertEqual(
            metric_names('sum by (state) (phid_members{job="$job", state="alive"})'),
            {"phid_members"})

    def test_skips_functions_ranges_and_durations(self):
        self.assertEqual(
            metric_names("rate(phid_gossip_drops_total{reason=~\"a|b\"}[5m]) > 0.05"),
            {"phid_gossip_drops_total"})
        self.assertEqual(
            metric_names("increase(x_total[$__rate_interval] offset 5m)"),
            {"x_total"})

    def test_skips_label_lists_of_matching_and_grouping(self):
        self.assertEqual(
            metric_names("a >= bool on (job, instance) group_left (peer) b "
                         "unless ignoring(x) c"),
            {"a", "b", "c"})
        self.assertEqual(metric_names("sum(a) without (state)"), {"a"})

    def test_keeps_recording_rule_names(self):
        self.assertEqual(metric_names("avg by (job, peer) (phid:peer_suspected:bool) >= 0.5"),
                         {"phid:peer_suspected:bool"})

    def test_label_values_names_only_its_selector(self):
        self.assertEqual(metric_names('label_values(phid_members{job="$job"}, instance)'),
                         {"phid_members"})

    def test_an_unexported_name_is_reported(self):
        self.assertEqual(
            unknown_names([("q", "rate(phid_no_such_total[5m])")], {"phid_members"}),
            [("q", "phid_no_such_total")])
        self.assertEqual(unknown_names([("q", "vector(5)")], set()), [("q", None)])


class LiveMetricsTest(unittest.TestCase):

    def setUp(self):
        self.exported = exported_names(METRICS_TEXT)

    def test_the_daemon_exports_its_families(self):
        for name in ("phid_members", "phid_peer_phi", "phid_seeds",
                     "phid_gossip_drops_total"):
            self.assertIn(name, self.exported)

    def test_every_dashboard_query_names_exported_metrics(self):
        with open(os.path.join(DEPLOY, "grafana", "phid.json")) as f:
            queries = dashboard_queries(json.load(f))
        self.assertGreaterEqual(len(queries), 10)
        self.assertEqual(unknown_names(queries, self.exported), [],
                         f"exported: {sorted(self.exported)}")

    def test_every_alert_rule_names_exported_metrics_or_recorded_ones(self):
        import yaml  # python3-yaml; tools/setup.sh installs it
        with open(os.path.join(DEPLOY, "prometheus", "phid.rules.yml")) as f:
            exprs, recorded = rule_expressions(yaml.safe_load(f))
        self.assertGreaterEqual(len(exprs), 5)
        # phid:expected_members is a constant (vector(5)): it names nothing.
        exprs = [(w, e) for w, e in exprs if w != "rule phid:expected_members"]
        self.assertEqual(unknown_names(exprs, self.exported, recorded), [],
                         f"exported: {sorted(self.exported)}")


def main():
    global PHID, DEPLOY
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    PHID = os.path.realpath(sys.argv[1])
    DEPLOY = os.path.realpath(sys.argv[2])
    return junit_runner.run(sys.modules[__name__], "check_metric_names")


if __name__ == "__main__":
    sys.exit(main())
