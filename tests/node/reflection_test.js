// phid seen by an independent client with no .proto file, as grpcurl sees
// it: @grpc/grpc-js (its own HTTP/2 stack, not gRPC C++), descriptors from
// server reflection v1alpha, and the calls a user would make: list,
// describe, ListPeers, and Watch with a threshold of its own.
//
// Three real daemons on 127.0.2.1..3 (gossip :18946, gRPC :18070): node-a is
// asked, node-b is crashed (SIGKILL) to check when each watcher's SUSPECT
// comes, node-c is stopped with SIGTERM to check the graceful leave.
//
// Run by //tests/node:reflection_test (PHID_BINARY is the daemon); by hand:
//   PHID_BINARY=bazel-bin/server/phid node --test tests/node/reflection_test.js
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, test} = require('node:test');
const grpc = require('@grpc/grpc-js');

const {ReflectionClient} = require('./reflection_client');
const {PhidDaemon, sleep} = require('./phid_process');

const PHID = process.env.PHID_BINARY;
const GOSSIP_PORT = 18946;
const GRPC_PORT = 18070;
const LOG_DIR = process.env.TEST_UNDECLARED_OUTPUTS_DIR ||
    fs.mkdtempSync(path.join(os.tmpdir(), 'phid-node-test-'));

// Messages of one Watch stream, and a way to wait for one.
class WatchReader {
  constructor(call) {
    this.call = call;
    this.messages = [];
    this.waiters = [];
    this.error = null;
    call.on('data', (message) => {
      this.messages.push(message);
      this.wake();
    });
    call.on('error', (error) => {
      this.error = error;
      this.wake();
    });
  }

  wake() {
    for (const waiter of [...this.waiters]) waiter();
  }

  // The first message from index `from` on (already received or to come)
  // matching `predicate`.
  waitFor(what, predicate, {timeoutMs = 15000, from = 0} = {}) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.slice(from).find(predicate);
        if (found) return finish(() => resolve(found));
        if (this.error) {
          return finish(() => reject(new Error(
              `stream ended waiting for ${what}: ${this.error.message}`)));
        }
      };
      const timer = setTimeout(() => finish(() => reject(new Error(
          `no ${what} within ${timeoutMs} ms; got ${this.messages.length} ` +
          `messages: ${JSON.stringify(this.messages.map(summary))}`))), timeoutMs);
      const finish = (settle) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter !== check);
        settle();
      };
      this.waiters.push(check);
      check();
    });
  }

  cancel() {
    this.call.cancel();
  }
}

function summary(message) {
  if (message.snapshot) return 'snapshot';
  if (message.transition) {
    const t = message.transition;
    return `${t.peer.name} ${t.previous_state}->${t.peer.state} (${t.reason})`;
  }
  return message.event || 'message';
}

function transitionOf(name, state) {
  return (message) => message.transition &&
      message.transition.peer.name === name &&
      message.transition.peer.state === state;
}

function unary(client, method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

describe('phid through reflection, with no .proto file', () => {
  let nodeA;
  let nodeB;
  let nodeC;
  let reflection;
  let detector;  // a phi.v1.FailureDetector client built from reflection
  let leftTransition;  // node-c's LEFT, from the SIGTERM test

  before(async () => {
    assert.ok(PHID, 'PHID_BINARY must name the phid binary');
    nodeA = new PhidDaemon({binary: PHID, name: 'node-a', ip: '127.0.2.1',
      gossipPort: GOSSIP_PORT, grpcPort: GRPC_PORT, logDir: LOG_DIR});
    await nodeA.start();
    const seeds = [nodeA.gossipAddress];
    nodeB = new PhidDaemon({binary: PHID, name: 'node-b', ip: '127.0.2.2',
      gossipPort: GOSSIP_PORT, grpcPort: GRPC_PORT, seeds, logDir: LOG_DIR});
    nodeC = new PhidDaemon({binary: PHID, name: 'node-c', ip: '127.0.2.3',
      gossipPort: GOSSIP_PORT, grpcPort: GRPC_PORT, seeds, logDir: LOG_DIR});
    await Promise.all([nodeB.start(), nodeC.start()]);

    reflection = new ReflectionClient(nodeA.target);
    detector = await reflection.serviceClient('phi.v1.FailureDetector');
    // Until node-a has a calibrated history of both peers.
    const deadline = Date.now() + 20000;
    for (;;) {
      const response = await unary(detector, 'ListPeers', {});
      const calibrated = response.peers.filter((peer) => !peer.is_self &&
          peer.state === 'PEER_STATE_ALIVE' && Number(peer.samples) >= 10);
      if (calibrated.length === 2) break;
      if (Date.now() > deadline) {
        throw new Error(`node-a did not see node-b and node-c alive: ` +
            `${JSON.stringify(response.peers)}\n${nodeA.logTail()}`);
      }
      await sleep(100);
    }
  });

  after(async () => {
    if (detector) detector.close();
    if (reflection) reflection.close();
    for (const daemon of [nodeA, nodeB, nodeC]) {
      if (daemon && daemon.child && daemon.child.exitCode === null &&
          daemon.child.signalCode === null) {
        await daemon.stop();
      }
    }
  });

  test('reflection lists the API, health and reflection services', async () => {
    assert.deepEqual(await reflection.listServices(), [
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'phi.v1.FailureDetector',
    ]);
  });

  test('describes phi.v1.FailureDetector as grpcurl does', async () => {
    assert.equal(await reflection.describe('phi.v1.FailureDetector'), [
      'phi.v1.FailureDetector is a service:',
      'service FailureDetector {',
      '  rpc ListPeers ( .phi.v1.ListPeersRequest ) returns ( .phi.v1.ListPeersResponse );',
      '  rpc GetPeer ( .phi.v1.GetPeerRequest ) returns ( .phi.v1.Peer );',
      '  rpc Watch ( .phi.v1.WatchRequest ) returns ( stream .phi.v1.WatchResponse );',
      '  rpc Forget ( .phi.v1.ForgetRequest ) returns ( .phi.v1.ForgetResponse );',
      '}',
    ].join('\n'));
  });

  test('describes grpc.health.v1.Health, and its Check answers SERVING', async () => {
    assert.equal(await reflection.describe('grpc.health.v1.Health'), [
      'grpc.health.v1.Health is a service:',
      'service Health {',
      '  rpc Check ( .grpc.health.v1.HealthCheckRequest ) returns ' +
          '( .grpc.health.v1.HealthCheckResponse );',
      '  rpc Watch ( .grpc.health.v1.HealthCheckRequest ) returns ' +
          '( stream .grpc.health.v1.HealthCheckResponse );',
      '}',
    ].join('\n'));
    const health = await reflection.serviceClient('grpc.health.v1.Health');
    try {
      const response = await unary(health, 'Check', {service: ''});
      assert.equal(response.status, 'SERVING');
    } finally {
      health.close();
    }
  });

  test('the request fields this test sends exist in the reflected descriptors', async () => {
    // proto-loader drops unknown fields silently; a typo would make the
    // server apply its default threshold and the checks below meaningless.
    const watchRequest = await reflection.lookup('phi.v1.WatchRequest');
    assert.equal(watchRequest.fields.phi_threshold.type, 'double');
    assert.equal(watchRequest.fields.phi_threshold.id, 1);
    assert.equal(watchRequest.fields.names.repeated, true);
    await reflection.checkRequest('phi.v1.WatchRequest',
        {phi_threshold: 3, names: ['node-c'], level_interval: {seconds: 0, nanos: 0}});
    await assert.rejects(reflection.checkRequest('phi.v1.WatchRequest', {phi_treshold: 3}),
        /has no field "phi_treshold"/);
  });

  test('ListPeers shows every daemon judged against the requested threshold', async () => {
    const request = {phi_threshold: 3};
    await reflection.checkRequest('phi.v1.ListPeersRequest', request);
    const response = await unary(detector, 'ListPeers', request);
    assert.equal(response.self, 'node-a');
    assert.equal(response.threshold, 3);
    const byName = Object.fromEntries(response.peers.map((peer) => [peer.name, peer]));
    assert.deepEqual(Object.keys(byName).sort(), ['node-a', 'node-b', 'node-c']);
    assert.equal(byName['node-a'].is_self, true);
    for (const peer of response.peers) {
      assert.equal(peer.threshold, 3, `${peer.name} judged against ${peer.threshold}`);
      assert.equal(peer.state, 'PEER_STATE_ALIVE', peer.name);
      assert.equal(peer.status, 'MEMBER_STATUS_ALIVE', peer.name);
    }
    assert.equal(byName['node-b'].address, '127.0.2.2:18946');
    assert.ok(byName['node-b'].interval_mean_ms > 0);
  });

  test('Watch refuses a threshold outside (0, 64] with INVALID_ARGUMENT', async () => {
    const reader = new WatchReader(detector.Watch({phi_threshold: 65}));
    await assert.rejects(reader.waitFor('an error', () => false, {timeoutMs: 5000}),
        /stream ended/);
    assert.equal(reader.error.code, grpc.status.INVALID_ARGUMENT);
    assert.match(reader.error.details, /phi_threshold/);
  });

  test('each watcher gets SUSPECT at its own threshold when a peer crashes', async () => {
    const thresholds = [3, 12];
    const readers = [];
    try {
      for (const threshold of thresholds) {
        const request = {phi_threshold: threshold};
        await reflection.checkRequest('phi.v1.WatchRequest', request);
        readers.push(new WatchReader(detector.Watch(request)));
      }
      // The snapshot judges every member against the subscriber's threshold.
      for (const [i, reader] of readers.entries()) {
        const first = await reader.waitFor('the snapshot', (m) => m.snapshot);
        assert.equal(first.sequence, '1');
        assert.equal(first.snapshot.self, 'node-a');
        assert.deepEqual(first.snapshot.peers.map((peer) => peer.name).sort(),
            ['node-a', 'node-b', 'node-c']);
        for (const peer of first.snapshot.peers) {
          assert.equal(peer.threshold, thresholds[i], `${peer.name} in the snapshot`);
        }
      }

      // Only what comes after the crash counts: on a loaded machine a
      // watcher at phi 3 may suspect a live peer for a moment before it.
      const before = readers.map((reader) => reader.messages.length);
      await nodeB.kill();

      const suspects = [];
      for (const [i, reader] of readers.entries()) {
        const message = await reader.waitFor(`node-b SUSPECT at phi ${thresholds[i]}`,
            transitionOf('node-b', 'PEER_STATE_SUSPECT'), {from: before[i]});
        const transition = message.transition;
        assert.equal(transition.previous_state, 'PEER_STATE_ALIVE');
        assert.equal(transition.reason, 'TRANSITION_REASON_CROSSED_THRESHOLD');
        assert.equal(transition.peer.threshold, thresholds[i]);
        assert.ok(transition.phi >= thresholds[i],
            `phi ${transition.phi} at the transition is below the threshold ${thresholds[i]}`);
        suspects.push(message);
      }
      // phi only grows while node-b is silent: phi 3 comes before phi 12. Had
      // the threshold been ignored, both would come at the default 8 together.
      const [low, high] = suspects.map((m) => BigInt(m.sent_unix_micros));
      assert.ok(low < high, `SUSPECT at phi 3 sent at ${low}, at phi 12 at ${high}`);
    } finally {
      for (const reader of readers) reader.cancel();
    }
  });

  test('SIGTERM leaves gracefully: a watcher sees LEFT, not SUSPECT', async () => {
    const request = {phi_threshold: 12, names: ['node-c']};
    await reflection.checkRequest('phi.v1.WatchRequest', request);
    const reader = new WatchReader(detector.Watch(request));
    try {
      const first = await reader.waitFor('the snapshot', (m) => m.snapshot);
      assert.deepEqual(first.snapshot.peers.map((peer) => peer.name), ['node-c']);
      const before = reader.messages.length;
      const exit = await nodeC.stop();
      assert.equal(exit.code, 0, `phid exited with ${JSON.stringify(exit)}`);
      const message = await reader.waitFor('node-c LEFT',
          transitionOf('node-c', 'PEER_STATE_LEFT'), {from: before});
      assert.equal(message.transition.reason, 'TRANSITION_REASON_LEFT');
      leftTransition = message.transition;
      const suspected = reader.messages.slice(before, reader.messages.indexOf(message))
          .find(transitionOf('node-c', 'PEER_STATE_SUSPECT'));
      assert.equal(suspected, undefined, 'node-c was suspected while it left');
    } finally {
      reader.cancel();
    }
  });

  test('the LEFT transition carries the member status LEFT', () => {
    assert.ok(leftTransition, 'no LEFT transition was seen');
    assert.equal(leftTransition.peer.status, 'MEMBER_STATUS_LEFT');
  });
});
