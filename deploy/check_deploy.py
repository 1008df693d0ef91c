#!/usr/bin/env python3
"""Checks the deployment examples in deploy/ against the real phid binary.

  check_deploy.py PHID_BINARY DEPLOY_DIR

phid.service: `systemd-analyze verify` says nothing (it only warns about an
unknown key, so any output fails), or, where systemd-analyze is missing, its
keys are checked against a list; the unit restarts on failure, is hardened,
and its ExecStop really makes a running phid leave gracefully.
phid.flags and the Kubernetes ConfigMap: phid parses them
(--only_check_args). kubernetes/daemonset.yaml: it parses as YAML, the
pieces fit together (labels, volumes, flagfiles, seeds naming the headless
Service, the readiness probe asking for "phid.joined").

Writes JUnit XML to $XML_OUTPUT_FILE when Bazel sets it. Daemons use
127.0.2.21, ports 18500-18501.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import junit_runner

PHID = ""
DEPLOY = ""

# The keys phid.service may use, for machines without systemd-analyze.
KNOWN_KEYS = {
    "Unit": {"Description", "Documentation", "Wants", "After", "Requires",
             "StartLimitIntervalSec", "StartLimitBurst"},
    "Service": {
        "Type", "ExecStart", "ExecStop", "ExecReload", "KillSignal", "KillMode",
        "TimeoutStopSec", "Restart", "RestartSec", "RestartPreventExitStatus",
        "LimitNOFILE", "DynamicUser", "LoadCredential", "SupplementaryGroups",
        "RuntimeDirectory",
        "UMask", "NoNewPrivileges", "CapabilityBoundingSet",
        "AmbientCapabilities", "ProtectSystem", "ProtectHome", "PrivateTmp",
        "PrivateDevices", "PrivateUsers", "ProtectHostname", "ProtectClock",
        "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
        "ProtectControlGroups", "ProtectProc", "RestrictAddressFamilies",
        "RestrictNamespaces", "RestrictRealtime", "RestrictSUIDSGID",
        "LockPersonality", "MemoryDenyWriteExecute", "RemoveIPC",
        "SystemCallArchitectures", "SystemCallFilter",
        "SystemCallErrorNumber"},
    "Install": {"WantedBy"},
}


def parse_unit(text):
    """{section: [(key, value), ...]} of a systemd unit (keys may repeat)."""
    sections = {}
    current = None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        match = re.fullmatch(r"\[(\w+)\]", line)
        if match:
            current = sections.setdefault(match.group(1), [])
            continue
        if current is None or "=" not in line:
            raise ValueError(f"line {number}: not a key=value in a section: {line}")
        key, value = line.split("=", 1)
        current.append((key.strip(), value.strip()))
    return sections


def last(section, key):
    values = [v for k, v in section if k == key]
    return values[-1] if values else None


def seconds(text):
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|min)?", text)
    if not match:
        raise ValueError(f"not a duration: {text}")
    scale = {"ms": 0.001, "s": 1, "min": 60, None: 1}[match.group(2)]
    return float(match.group(1)) * scale


def flag_values(lines):
    """{flag: value} of --flag=value lines (comments and blanks skipped)."""
    flags = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.lstrip("-").partition("=")
        flags[name] = value
    return flags


def phid_accepts(*args):
    result = subprocess.run([PHID, *args, "--only_check_args"],
                            capture_output=True, text=True, timeout=30)
    return result.returncode, result.stdout + result.stderr


class SystemdUnitTest(unittest.TestCase):

    def setUp(self):
        with open(os.path.join(DEPLOY, "phid.service")) as f:
            self.text = f.read()
        self.unit = parse_unit(self.text)
        with open(os.path.join(DEPLOY, "phid.flags")) as f:
            self.flags = flag_values(f)

    def test_systemd_analyze_verify_reports_nothing(self):
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            self.skipTest("systemd-analyze is missing; see test_keys_are_known")
        with tempfile.TemporaryDirectory() as tmp:
            # verify checks that ExecStart's binary exists: point it at ours.
            unit = os.path.join(tmp, "phid.service")
            with open(unit, "w") as f:
                f.write(self.text.replace("/usr/local/bin/phid", PHID))
            result = subprocess.run([analyze, "verify", unit],
                                    capture_output=True, text=True, timeout=60)
        output = (result.stdout + result.stderr).strip()
        self.assertEqual(result.returncode, 0, output)
        self.assertEqual(output, "", "systemd-analyze verify warned")

    def test_keys_are_known(self):
        for section, pairs in self.unit.items():
            self.assertIn(section, KNOWN_KEYS)
            for key, _ in pairs:
                self.assertIn(key, KNOWN_KEYS[section], f"[{section}] {key}")

    def test_runs_phid_with_the_flagfile_and_restarts_on_failure(self):
        service = self.unit["Service"]
        self.assertEqual(last(service, "ExecStart"),
                         "/usr/local/bin/phid --flagfile=/etc/phid/phid.flags")
        self.assertEqual(last(service, "Restart"), "on-failure")
        # Exit 2 is bad options: restarting cannot help.
        self.assertEqual(last(service, "RestartPreventExitStatus"), "2")
        self.assertEqual(last(self.unit["Install"], "WantedBy"), "multi-user.target")

    def test_stop_leaves_time_for_the_graceful_leave(self):
        service = self.unit["Service"]
        self.assertEqual(last(service, "KillSignal"), "SIGTERM")
        self.assertIn("kill -TERM", last(service, "ExecStop"))
        self.assertGreater(seconds(last(service, "TimeoutStopSec")),
                           seconds(self.flags["shutdown_timeout"]))

    def test_is_hardened(self):
        service = dict(self.unit["Service"])
        for key, value in [("DynamicUser", "yes"), ("NoNewPrivileges", "yes"),
                           ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                           ("PrivateTmp", "yes"), ("PrivateDevices", "yes"),
                           ("CapabilityBoundingSet", ""),
                           ("MemoryDenyWriteExecute", "yes"),
                           ("SystemCallArchitectures", "native")]:
            self.assertEqual(service.get(key), value, key)
        self.assertIn("@system-service", [v for k, v in self.unit["Service"]
                                          if k == "SystemCallFilter"])

    def test_exec_stop_makes_phid_leave_and_waits_for_it(self):
        exec_stop = last(self.unit["Service"], "ExecStop")
        # systemd unescapes $$ to $ and sets $MAINPID for ExecStop.
        argv = shlex.split(exec_stop.replace("$$", "$"))
        with tempfile.TemporaryDirectory() as tmp:
            log_path = os.path.join(tmp, "phid.log")
            with open(log_path, "w") as log:
                daemon = subprocess.Popen(
                    [PHID, "--name=unit-test", "--bind=127.0.2.21:18500",
                     "--grpc_address=127.0.2.21:18501", "--metrics_address=",
                     "--preset=local"], stdout=log, stderr=subprocess.STDOUT)
            try:
                time.sleep(1.0)
                self.assertIsNone(daemon.poll(), open(log_path).read())
                # systemd reaps the main process; do the same, or `kill -0`
                # would see a zombie forever.
                reaper = threading.Thread(target=daemon.wait)
                reaper.start()
                started = time.monotonic()
                subprocess.run(argv, env={**os.environ, "MAINPID": str(daemon.pid)},
                               check=True, timeout=20)
                took = time.monotonic() - started
                reaper.join(timeout=1)
                self.assertEqual(daemon.returncode, 0, "ExecStop returned before phid exited")
                self.assertLess(took, seconds(last(self.unit["Service"], "TimeoutStopSec")))
                log = open(log_path).read()
                self.assertIn("received SIGTERM; shutting down", log)
            finally:
                if daemon.poll() is None:
                    daemon.kill()
                    daemon.wait()

    def test_exec_reload_makes_phid_reload_its_keyring_and_stay(self):
        exec_reload = last(self.unit["Service"], "ExecReload")
        argv = shlex.split(exec_reload)
        with tempfile.TemporaryDirectory() as tmp:
            keyring = os.path.join(tmp, "keyring")
            with open(keyring, "w") as f:
                f.write(os.urandom(32).hex() + "\n")
            log_path = os.path.join(tmp, "phid.log")
            with open(log_path, "w") as log:
                daemon = subprocess.Popen(
                    [PHID, "--name=unit-test", "--bind=127.0.2.21:18502",
                     "--grpc_address=127.0.2.21:18503", "--metrics_address=",
                     "--preset=local", f"--keyring={keyring}"],
                    stdout=log, stderr=subprocess.STDOUT)
            try:
                time.sleep(1.0)
                self.assertIsNone(daemon.poll(), open(log_path).read())
                with open(keyring, "a") as f:
                    f.write(os.urandom(32).hex() + "\n")
                # systemd sets $MAINPID for ExecReload too.
                subprocess.run([a.replace("$MAINPID", str(daemon.pid)) for a in argv],
                               check=True, timeout=20)
                deadline = time.monotonic() + 5
                while ("keyring reloaded" not in open(log_path).read()
                       and time.monotonic() < deadline):
                    time.sleep(0.05)
                self.assertIsNone(daemon.poll(), "phid exited on SIGHUP")
                log = open(log_path).read()
                self.assertIn("received SIGHUP; reloading the keyring", log)
                self.assertRegex(log, r"keyring reloaded from .*: added \[[0-9a-f]{8}\]")
            finally:
                daemon.terminate()
                daemon.wait(timeout=10)


class FlagfileTest(unittest.TestCase):

    def test_phid_parses_the_example_flagfile(self):
        code, output = phid_accepts(f"--flagfile={os.path.join(DEPLOY, 'phid.flags')}")
        self.assertEqual(code, 0, output)

    def test_seeds_are_ip_and_port(self):
        with open(os.path.join(DEPLOY, "phid.flags")) as f:
            seeds = flag_values(f)["seeds"].split(",")
        for seed in seeds:
            self.assertRegex(seed, r"^\d+\.\d+\.\d+\.\d+:\d+$")

    def test_a_bad_flag_is_refused(self):
        # Guards the two tests above: --only_check_args does check names.
        with tempfile.NamedTemporaryFile("w", suffix=".flags") as f:
            f.write("--no_such_flag=1\n")
            f.flush()
            code, _ = phid_accepts(f"--flagfile={f.name}")
        self.assertNotEqual(code, 0)


class KubernetesTest(unittest.TestCase):

    def setUp(self):
        import yaml  # python3-yaml; tools/setup.sh installs it
        with open(os.path.join(DEPLOY, "kubernetes", "daemonset.yaml")) as f:
            documents = [d for d in yaml.safe_load_all(f) if d is not None]
        self.by_kind = {d["kind"]: d for d in documents}
        self.assertEqual(len(documents), len(self.by_kind))
        self.daemonset = self.by_kind["DaemonSet"]
        self.pod = self.daemonset["spec"]["template"]["spec"]
        self.phid = next(c for c in self.pod["containers"] if c["name"] == "phid")

    def test_holds_a_config_map_a_headless_service_and_a_daemonset(self):
        self.assertEqual(sorted(self.by_kind), ["ConfigMap", "DaemonSet", "Service"])
        service = self.by_kind["Service"]["spec"]
        self.assertEqual(service["clusterIP"], "None")
        self.assertTrue(service["publishNotReadyAddresses"])
        labels = self.daemonset["spec"]["template"]["metadata"]["labels"]
        for key, value in service["selector"].items():
            self.assertEqual(labels.get(key), value)
        self.assertEqual(self.daemonset["spec"]["selector"]["matchLabels"].items()
                         - labels.items(), set())

    def test_runs_on_the_host_network_and_resolves_cluster_names(self):
        self.assertTrue(self.pod["hostNetwork"])
        self.assertEqual(self.pod["dnsPolicy"], "ClusterFirstWithHostNet")
        flags = flag_values(self.by_kind["ConfigMap"]["data"]["phid.flags"].splitlines())
        self.assertGreater(self.pod["terminationGracePeriodSeconds"],
                           seconds(flags["shutdown_timeout"]))

    def test_phid_parses_the_config_map_and_the_arguments(self):
        with tempfile.TemporaryDirectory() as tmp:
            mounts = {m["name"]: m["mountPath"] for m in self.phid["volumeMounts"]}
            volumes = {v["name"] for v in self.pod["volumes"]}
            self.assertEqual(set(mounts) - volumes, set())
            # Lay out the container's files under tmp and point the flags there.
            config = os.path.join(tmp + mounts["config"])
            os.makedirs(config)
            with open(os.path.join(config, "phid.flags"), "w") as f:
                f.write(self.by_kind["ConfigMap"]["data"]["phid.flags"])
            values = {"NODE_NAME": "node-1", "HOST_IP": "10.0.0.6"}
            args = []
            for arg in self.phid["args"]:
                arg = re.sub(r"\$\((\w+)\)", lambda m: values[m.group(1)], arg)
                if arg.startswith("--flagfile=/"):
                    arg = "--flagfile=" + tmp + arg[len("--flagfile="):]
                args.append(arg)
            self.assertEqual(self.phid["command"], ["/usr/local/bin/phid"])
            code, output = phid_accepts(*args)
            self.assertEqual(code, 0, f"{args}: {output}")

    def test_seeds_name_the_headless_service_with_no_init_step(self):
        self.assertNotIn("initContainers", self.pod)
        flags = flag_values(self.by_kind["ConfigMap"]["data"]["phid.flags"].splitlines())
        service = self.by_kind["Service"]
        port = next(p["port"] for p in service["spec"]["ports"] if p["name"] == "gossip")
        self.assertRegex(flags["seeds"],
                         r"^%s\.[a-z0-9-]+\.svc\.[a-z0-9.-]+:%d$"
                         % (re.escape(service["metadata"]["name"]), port))

    def test_readiness_asks_whether_joined_and_liveness_whether_running(self):
        self.assertEqual(self.phid["readinessProbe"]["grpc"]["service"], "phid.joined")
        self.assertEqual(self.phid["livenessProbe"]["grpc"].get("service", ""), "")


def main():
    global PHID, DEPLOY
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    PHID = os.path.realpath(sys.argv[1])
    DEPLOY = os.path.realpath(sys.argv[2])
    return junit_runner.run(sys.modules[__name__], "check_deploy")


if __name__ == "__main__":
    sys.exit(main())
