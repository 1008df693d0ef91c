#!/usr/bin/env node
// A grpcurl stand-in for this project, built on reflection_client.js: no
// grpcurl or grpc_cli package exists for Debian 12 or npm. It takes
// grpcurl's arguments for the commands phid's README shows:
//
//   node tests/node/reflect_cli.js -plaintext 127.0.0.1:7070 list
//   node tests/node/reflect_cli.js -plaintext 127.0.0.1:7070 list phi.v1.FailureDetector
//   node tests/node/reflect_cli.js -plaintext 127.0.0.1:7070 describe phi.v1.WatchRequest
//   node tests/node/reflect_cli.js -plaintext -d '{"phi_threshold": 3}' \
//       127.0.0.1:7070 phi.v1.FailureDetector/ListPeers
//   node tests/node/reflect_cli.js -plaintext -max-time 10 -d '{"phi_threshold": 3}' \
//       127.0.0.1:7070 phi.v1.FailureDetector/Watch
//
// Output is grpcurl's: one service or method per line, descriptor text, or
// each response as indented protojson (lowerCamel names, zero values left
// out, Durations as "1.5s", 64-bit integers as strings). Differences: only
// plaintext; -max-time ends a stream quietly (exit 0) where grpcurl reports
// DeadlineExceeded; no comments in `describe` (phid's descriptors carry
// none). Needs `npm ci` in tests/node (tools/setup.sh does it).
'use strict';

const grpc = require('@grpc/grpc-js');
const {ReflectionClient, PRINT_DECODING, toProtoJson, fromProtoJson} =
    require('./reflection_client');

const USAGE = `usage: reflect_cli.js [-plaintext] [-d JSON] [-max-time SECONDS] ADDRESS
           (list [SERVICE] | describe SYMBOL | SERVICE/METHOD)`;

function parseArgs(argv) {
  const options = {data: '{}', maxTimeSeconds: 0, positional: []};
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i].replace(/^--/, '-');
    if (arg === '-plaintext') continue;
    if (arg === '-d') {
      options.data = argv[++i];
    } else if (arg === '-max-time') {
      options.maxTimeSeconds = Number(argv[++i]);
      if (!(options.maxTimeSeconds > 0)) throw new Error('-max-time takes seconds > 0');
    } else if (arg.startsWith('-') && arg.length > 1) {
      throw new Error(`unknown flag ${argv[i]}\n${USAGE}`);
    } else {
      options.positional.push(argv[i]);
    }
  }
  if (options.positional.length < 2) throw new Error(USAGE);
  return options;
}

function printError(error) {
  const code = Object.keys(grpc.status).find((name) => grpc.status[name] === error.code);
  const name = (code || String(error.code)).toLowerCase()
      .replace(/(^|_)([a-z])/g, (_, __, c) => c.toUpperCase());
  process.stderr.write(`ERROR:\n  Code: ${name}\n  Message: ${error.details}\n`);
}

async function invoke(reflection, fullMethod, options) {
  const [service, method] = fullMethod.split('/');
  const serviceType = await reflection.lookup(service);
  const methodType = serviceType.methods[method];
  if (!methodType) throw new Error(`service ${service} has no method ${method}`);
  methodType.resolve();
  const request = fromProtoJson(methodType.resolvedRequestType, JSON.parse(options.data));
  const responseType = methodType.resolvedResponseType;
  const client = await reflection.serviceClient(service, PRINT_DECODING);
  const print = (message) => {
    process.stdout.write(JSON.stringify(toProtoJson(responseType, message), null, 2) + '\n');
  };
  await new Promise((resolve) => {
    if (!methodType.responseStream) {
      client[method](request, (error, response) => {
        if (error) {
          printError(error);
          process.exitCode = 1;
        } else {
          print(response);
        }
        resolve();
      });
      return;
    }
    const call = client[method](request);
    let timer = null;
    if (options.maxTimeSeconds > 0) {
      timer = setTimeout(() => call.cancel(), options.maxTimeSeconds * 1000);
    }
    call.on('data', print);
    call.on('error', (error) => {
      if (error.code !== grpc.status.CANCELLED) {
        printError(error);
        process.exitCode = 1;
      }
    });
    call.on('close', () => {
      if (timer) clearTimeout(timer);
      resolve();
    });
  });
  client.close();
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const [address, command, symbol] = options.positional;
  const reflection = new ReflectionClient(address);
  try {
    if (command === 'list' && symbol === undefined) {
      for (const service of await reflection.listServices()) console.log(service);
    } else if (command === 'list') {
      const service = await reflection.lookup(symbol);
      for (const method of service.methodsArray) console.log(`${symbol}.${method.name}`);
    } else if (command === 'describe') {
      if (!symbol) throw new Error('describe takes a SYMBOL');
      console.log(await reflection.describe(symbol));
    } else if (command.includes('/')) {
      await invoke(reflection, command, options);
    } else {
      throw new Error(USAGE);
    }
  } finally {
    reflection.close();
  }
}

main().catch((error) => {
  if (error.code !== undefined && error.details !== undefined) {
    printError(error);
  } else {
    process.stderr.write(`reflect_cli: ${error.message}\n`);
  }
  process.exit(1);
});
