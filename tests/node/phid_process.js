// Real phid daemons for the Node tests: start, wait until the gRPC port
// accepts connections, kill (SIGKILL: a crash) or stop (SIGTERM: the
// graceful leave). Every daemon started is killed when the process exits,
// so a failed test leaves none behind on its addresses.
'use strict';

const {spawn} = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const running = new Set();
process.on('exit', () => {
  for (const daemon of running) daemon.child.kill('SIGKILL');
});

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({host, port});
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

class PhidDaemon {
  // binary: path of phid; name: member name; ip: 127.0.2.X; gossipPort and
  // grpcPort in 18000-18999; seeds: gossip addresses; logDir: where its
  // output goes; metricsPort: serve /metrics and the status page on
  // ip:metricsPort (default: metrics off); flags: more phid flags.
  constructor({binary, name, ip, gossipPort, grpcPort, seeds = [], logDir,
    metricsPort = 0, flags = []}) {
    Object.assign(this, {binary, name, ip, gossipPort, grpcPort, seeds,
      metricsPort, flags});
    this.gossipAddress = `${ip}:${gossipPort}`;
    this.target = `${ip}:${grpcPort}`;
    this.logPath = path.join(logDir, `${name}.log`);
  }

  async start() {
    const args = [
      `--name=${this.name}`,
      `--bind=${this.gossipAddress}`,
      `--grpc_address=${this.target}`,
      `--metrics_address=${this.metricsPort ? `${this.ip}:${this.metricsPort}` : ''}`,
      '--preset=local',
      `--seeds=${this.seeds.join(',')}`,
      ...this.flags,
    ];
    const log = fs.openSync(this.logPath, 'w');
    this.child = spawn(this.binary, args, {stdio: ['ignore', log, log]});
    fs.closeSync(log);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        running.delete(this);
        resolve({code, signal});
      });
    });
    running.add(this);
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`phid ${this.name} exited at start-up:\n${this.logTail()}`);
      }
      if (await canConnect(this.ip, this.grpcPort)) return;
      await sleep(50);
    }
    throw new Error(`phid ${this.name} did not listen on ${this.target} ` +
        `within 15s:\n${this.logTail()}`);
  }

  // A crash: no leave message, peers must detect it.
  async kill() {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  // What systemd's stop does: SIGTERM, and the daemon leaves gracefully.
  async stop() {
    this.child.kill('SIGTERM');
    return this.exited;
  }

  logTail(lines = 20) {
    try {
      return fs.readFileSync(this.logPath, 'utf8').trimEnd().split('\n')
          .slice(-lines).join('\n');
    } catch (error) {
      return `(no log: ${error.message})`;
    }
  }
}

module.exports = {PhidDaemon, sleep};
