"""vs_serf.py's byte and packet accounting: an iptables chain counting each
tool's gossip traffic (UDP and TCP, both directions), read back per tool.
"""

import re
import shutil
import subprocess

import results_schema
from vs_serf_clusters import CHAIN, GOSSIP_NET, log


class Accounting:
    """iptables packet and byte counters per tool, in a chain of our own.

    OUTPUT jumps to the chain for every packet sent on loopback; the chain
    has one rule per tool and protocol, `-m multiport --ports PORT`, which
    matches the gossip port as source or as destination. So both directions
    of a connection count (Serf's TCP push-pull is dialed from 127.0.0.1 and
    an ephemeral port), and a datagram from PORT to PORT counts once. The
    rules have no target, so every packet goes on to the final RETURN.
    """

    COMMENT = re.compile(r"/\* (\S+)/(udp|tcp) \*/")

    def __init__(self, ports, chain=CHAIN):
        """ports: tool -> gossip port; chain: a name no other run uses."""
        self.ok = shutil.which("iptables") is not None
        self.ports = ports
        self.chain = chain
        if not self.ok:
            return
        self.cleanup()
        try:
            self._ipt("-N", self.chain)
            self._ipt("-I", "OUTPUT", "1", "-o", "lo", "-j", self.chain)
            for tool, port in ports.items():
                for proto in ("udp", "tcp"):
                    self._ipt("-A", self.chain, "-p", proto, "-m", "multiport",
                              "--ports", str(port), "-m", "comment",
                              "--comment", f"{tool}/{proto}")
            self._ipt("-A", self.chain, "-j", "RETURN")
        except subprocess.CalledProcessError as e:
            log("iptables accounting unavailable:", e, e.stderr)
            self.cleanup()
            self.ok = False

    @staticmethod
    def _ipt(*args):
        subprocess.run(["iptables", "-w", *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    @property
    def method(self):
        """The results_schema.BYTES_METHODS entry for these counters."""
        return "iptables-both" if self.ok else "none"

    def read(self):
        """tool -> {"udp", "tcp": bytes; "udp_packets", "tcp_packets"}"""
        out = {t: {"udp": 0, "tcp": 0, "udp_packets": 0, "tcp_packets": 0}
               for t in self.ports}
        if not self.ok:
            return out
        text = subprocess.run(["iptables", "-w", "-L", self.chain, "-v", "-x", "-n"],
                              check=True, capture_output=True, text=True).stdout
        return self.parse(text, out)

    @classmethod
    def parse(cls, text, out):
        """Adds the counters of `iptables -L -v -x -n` output to out."""
        for line in text.splitlines():
            f = line.split()
            m = cls.COMMENT.search(line)
            if len(f) < 2 or not f[0].isdigit() or not m or m.group(1) not in out:
                continue
            rec = out[m.group(1)]
            rec[m.group(2)] += int(f[1])
            rec[m.group(2) + "_packets"] += int(f[0])
        return out

    def cleanup(self):
        if shutil.which("iptables") is None:
            return
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run(["iptables", "-w", "-D", "OUTPUT", "-o", "lo", "-j",
                        self.chain], **quiet)
        # The jump of versions before the two-way count.
        subprocess.run(["iptables", "-w", "-D", "OUTPUT", "-d",
                        GOSSIP_NET + "0/24", "-j", self.chain], **quiet)
        subprocess.run(["iptables", "-w", "-F", self.chain], **quiet)
        subprocess.run(["iptables", "-w", "-X", self.chain], **quiet)
