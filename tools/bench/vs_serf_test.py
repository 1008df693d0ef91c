"""Tests of vs_serf.py's byte and packet accounting (no iptables needed)."""

import unittest

import bench_testing
import vs_serf_accounting
import vs_serf_clusters

# `iptables -L PHIDBENCH -v -x -n` (iptables-nft 1.8.9) after one UDP
# datagram from port 19200 to 19200 (10 bytes of payload) and a TCP
# connection dialed from 127.0.0.1 to 127.0.3.2:19200 that carried 100
# bytes back to the dialer.
LISTING = """\
Chain PHIDBENCH (1 references)
    pkts      bytes target     prot opt in     out     source               destination
      30     4200            17   --  *      *       0.0.0.0/0            0.0.0.0/0            multiport ports 19100 /* phid/udp */
       0        0            6    --  *      *       0.0.0.0/0            0.0.0.0/0            multiport ports 19100 /* phid/tcp */
       1       38            17   --  *      *       0.0.0.0/0            0.0.0.0/0            multiport ports 19200 /* serf-lan/udp */
       8      532            6    --  *      *       0.0.0.0/0            0.0.0.0/0            multiport ports 19200 /* serf-lan/tcp */
      70     9000 RETURN     0    --  *      *       0.0.0.0/0            0.0.0.0/0
"""


def empty(tools):
    return {t: {"udp": 0, "tcp": 0, "udp_packets": 0, "tcp_packets": 0}
            for t in tools}


class AccountingParseTest(unittest.TestCase):
    def test_counts_bytes_and_packets_of_both_protocols_per_tool(self):
        out = vs_serf_accounting.Accounting.parse(LISTING, empty(["phid", "serf-lan"]))
        self.assertEqual(out["phid"], {"udp": 4200, "tcp": 0,
                                       "udp_packets": 30, "tcp_packets": 0})
        self.assertEqual(out["serf-lan"], {"udp": 38, "tcp": 532,
                                           "udp_packets": 1, "tcp_packets": 8})

    def test_ignores_the_return_rule_and_tools_not_measured(self):
        out = vs_serf_accounting.Accounting.parse(LISTING, empty(["serf-local"]))
        self.assertEqual(out, empty(["serf-local"]))


class CleanupOnExitTest(unittest.TestCase):
    def test_stops_the_clusters_in_the_list_at_call_time_then_the_rules(self):
        calls = []

        class Stub:
            def __init__(self, name):
                self.name = name

            def stop_all(self):
                calls.append(self.name)

            def cleanup(self):
                calls.append("rules")

        import signal
        saved = (signal.getsignal(signal.SIGTERM),
                 signal.getsignal(signal.SIGINT))
        try:
            clusters = []
            cleanup = vs_serf_clusters.cleanup_on_exit(clusters, Stub("acct"))
            clusters[:] = [Stub("a"), Stub("b")]  # filled after, in place
            cleanup()
            self.assertEqual(calls, ["a", "b", "rules"])
            self.assertIsNot(signal.getsignal(signal.SIGTERM), saved[0])
        finally:
            signal.signal(signal.SIGTERM, saved[0])
            signal.signal(signal.SIGINT, saved[1])


if __name__ == "__main__":
    bench_testing.main()
