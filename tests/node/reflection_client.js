// A gRPC client that knows no .proto file: what grpcurl does, in Node.
//
// Everything comes from the server's reflection service
// (grpc.reflection.v1alpha, via grpc-reflection-js): the list of services,
// their descriptors, and from those a @grpc/grpc-js client built by
// @grpc/proto-loader. None of phid's code or generated files is used, so a
// test through this client checks the daemon the way an outside tool sees it.
//
//   const reflection = new ReflectionClient('127.0.0.1:7070');
//   await reflection.listServices();            // ['phi.v1.FailureDetector', ...]
//   await reflection.describe('phi.v1.FailureDetector');  // grpcurl's text
//   const fd = await reflection.serviceClient('phi.v1.FailureDetector');
//   fd.ListPeers({phi_threshold: 3}, (err, response) => ...);
//
// Field names stay as in the .proto (snake_case), 64-bit integers are
// strings and enums their names. proto-loader silently drops a misspelt
// request field, so checkRequest() refuses names the descriptor lacks.
'use strict';

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const {Client} = require('grpc-reflection-js');
const descriptor = require('protobufjs/ext/descriptor');

// Decoding options for the test: every field present, with its default.
const TEST_DECODING = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

// Decoding options for printing protojson: absent fields stay absent, as
// they are on the wire (proto3 does not send zero values).
const PRINT_DECODING = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: false,
};

class ReflectionClient {
  constructor(target) {
    this.target = target;
    this.credentials = grpc.credentials.createInsecure();
    this.reflection = new Client(target, this.credentials);
    this.roots = new Map();  // symbol -> protobufjs Root of its file + deps
  }

  // Names of the services the server lists, sorted.
  async listServices() {
    const services = await this.reflection.listServices();
    return [...services].sort();
  }

  // The protobufjs Root holding `symbol` (a service, message or enum) and
  // every file it depends on, all types resolved.
  async rootFor(symbol) {
    if (!this.roots.has(symbol)) {
      const root = await this.reflection.fileContainingSymbol(symbol);
      root.resolveAll();
      this.roots.set(symbol, root);
    }
    return this.roots.get(symbol);
  }

  // The reflected protobufjs object for a fully-qualified name.
  async lookup(symbol) {
    const root = await this.rootFor(symbol);
    const found = root.lookup(symbol);
    if (!found) throw new Error(`${symbol} not found by reflection`);
    return found;
  }

  // grpcurl's `describe SYMBOL` text for a service, message or enum.
  async describe(symbol) {
    return describeReflected(await this.lookup(symbol));
  }

  // A @grpc/grpc-js client of `service`, from the reflected descriptors.
  // `decoding` are proto-loader options (TEST_DECODING by default).
  async serviceClient(service, decoding = TEST_DECODING) {
    const root = await this.rootFor(service);
    const set = root.toDescriptor('proto3');
    const bytes = descriptor.FileDescriptorSet.encode(set).finish();
    const definition = protoLoader.loadFileDescriptorSetFromBuffer(bytes, decoding);
    const Constructor = service.split('.').reduce((object, part) => object[part],
        grpc.loadPackageDefinition(definition));
    if (typeof Constructor !== 'function') {
      throw new Error(`${service} is not a service in its reflected descriptors`);
    }
    return new Constructor(this.target, this.credentials);
  }

  // Throws unless every key of `request` (recursively) is a field of the
  // message `typeName`: proto-loader would drop a misspelt one silently and
  // the server would apply its default.
  async checkRequest(typeName, request) {
    checkFields(await this.lookup(typeName), request, typeName);
  }

  close() {
    this.reflection.grpcClient.close();
  }
}

function checkFields(type, object, path) {
  for (const [key, value] of Object.entries(object)) {
    const field = type.fields[key];
    if (!field) {
      const known = Object.keys(type.fields).join(', ');
      throw new Error(`${path} has no field "${key}" (fields: ${known})`);
    }
    if (field.resolvedType && field.resolvedType.fields && value !== null &&
        typeof value === 'object' && !Array.isArray(value)) {
      checkFields(field.resolvedType, value, `${path}.${key}`);
    }
  }
}

// ---- grpcurl's `describe` text -------------------------------------------

function qualified(reflected) {
  return reflected.fullName;  // ".phi.v1.Peer", as grpcurl prints types
}

function fieldTypeName(field) {
  return field.resolvedType ? qualified(field.resolvedType) : field.type;
}

// protobufjs marks the *parent* of a map entry type with map_entry too, so
// recognise the entry by its shape: a nested XxxEntry of key = 1, value = 2.
function isMapEntry(type) {
  if (!type || !type.fieldsArray || !type.parent || !type.parent.fieldsArray) {
    return false;
  }
  const fields = type.fields;
  return type.name.endsWith('Entry') && type.fieldsArray.length === 2 &&
      fields.key && fields.key.id === 1 && fields.value && fields.value.id === 2;
}

function fieldLine(field, indent) {
  let text;
  if (field.resolvedType && isMapEntry(field.resolvedType)) {
    const entry = field.resolvedType.fields;
    text = `map<${fieldTypeName(entry.key)}, ${fieldTypeName(entry.value)}> ` +
        `${field.name} = ${field.id};`;
  } else {
    const label = field.repeated ? 'repeated ' : '';
    text = `${label}${fieldTypeName(field)} ${field.name} = ${field.id};`;
  }
  return indent + text;
}

function describeMessage(type) {
  const lines = [`message ${type.name} {`];
  const inOneof = new Set();
  for (const oneof of type.oneofsArray) {
    for (const field of oneof.fieldsArray) inOneof.add(field);
  }
  // Fields in declaration order, a oneof printed where its first field is.
  const printedOneofs = new Set();
  for (const field of type.fieldsArray) {
    if (!inOneof.has(field)) {
      lines.push(fieldLine(field, '  '));
      continue;
    }
    const oneof = field.partOf;
    if (printedOneofs.has(oneof)) continue;
    printedOneofs.add(oneof);
    lines.push(`  oneof ${oneof.name} {`);
    for (const member of oneof.fieldsArray) lines.push(fieldLine(member, '    '));
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n');
}

function describeEnum(enumType) {
  const lines = [`enum ${enumType.name} {`];
  for (const [name, number] of Object.entries(enumType.values)) {
    lines.push(`  ${name} = ${number};`);
  }
  lines.push('}');
  return lines.join('\n');
}

function describeService(service) {
  const lines = [`service ${service.name} {`];
  for (const method of service.methodsArray) {
    method.resolve();
    const request = (method.requestStream ? 'stream ' : '') +
        qualified(method.resolvedRequestType);
    const response = (method.responseStream ? 'stream ' : '') +
        qualified(method.resolvedResponseType);
    lines.push(`  rpc ${method.name} ( ${request} ) returns ( ${response} );`);
  }
  lines.push('}');
  return lines.join('\n');
}

function describeReflected(reflected) {
  const name = reflected.fullName.replace(/^\./, '');
  if (reflected.methodsArray) {
    return `${name} is a service:\n${describeService(reflected)}`;
  }
  if (reflected.fieldsArray) {
    return `${name} is a message:\n${describeMessage(reflected)}`;
  }
  if (reflected.values) {
    return `${name} is an enum:\n${describeEnum(reflected)}`;
  }
  throw new Error(`cannot describe ${name}`);
}

// ---- protojson, as grpcurl prints it ------------------------------------

function lowerCamel(name) {
  return name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

// "1.500s": protojson's Duration (0, 3, 6 or 9 fractional digits).
function durationJson(value) {
  const seconds = BigInt(value.seconds || 0);
  const nanos = Number(value.nanos || 0);
  if (nanos === 0) return `${seconds}s`;
  const negative = seconds < 0n || nanos < 0;
  const absSeconds = seconds < 0n ? -seconds : seconds;
  let fraction = String(Math.abs(nanos)).padStart(9, '0');
  while (fraction.length > 3 && fraction.endsWith('000')) {
    fraction = fraction.slice(0, -3);
  }
  return `${negative ? '-' : ''}${absSeconds}.${fraction}s`;
}

function scalarJson(value) {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : (value > 0 ? 'Infinity' : '-Infinity');
  }
  return value;
}

function valueJson(field, value) {
  const type = field.resolvedType;
  if (type && type.fieldsArray) {
    if (type.fullName === '.google.protobuf.Duration') return durationJson(value);
    return toProtoJson(type, value);
  }
  return scalarJson(value);
}

// `object` (decoded with PRINT_DECODING) of message `type` as the plain
// object protojson prints: lowerCamel names, absent and empty fields left
// out, Durations as "1.5s".
function toProtoJson(type, object) {
  const out = {};
  for (const field of type.fieldsArray) {
    const value = object[field.name];
    if (value === undefined || value === null) continue;
    const key = lowerCamel(field.name);
    if (field.resolvedType && isMapEntry(field.resolvedType)) {
      if (value.length === 0) continue;
      const map = {};
      const entry = field.resolvedType.fields;
      for (const item of value) map[item.key] = valueJson(entry.value, item.value);
      out[key] = map;
    } else if (field.repeated) {
      if (value.length === 0) continue;
      out[key] = value.map((item) => valueJson(field, item));
    } else {
      out[key] = valueJson(field, value);
    }
  }
  return out;
}

// Request JSON as grpcurl takes it (proto or lowerCamel names; Durations as
// "1.5s") to the object proto-loader serializes. Unknown fields throw.
function fromProtoJson(type, json, path = type.fullName.replace(/^\./, '')) {
  const byJsonName = new Map();
  for (const field of type.fieldsArray) {
    byJsonName.set(field.name, field);
    byJsonName.set(lowerCamel(field.name), field);
  }
  const out = {};
  for (const [key, value] of Object.entries(json)) {
    const field = byJsonName.get(key);
    if (!field) {
      throw new Error(`message type ${path} has no known field named ${key}`);
    }
    const nested = field.resolvedType;
    const convert = (item) => {
      if (nested && nested.fullName === '.google.protobuf.Duration' &&
          typeof item === 'string') {
        return parseDurationJson(item, `${path}.${field.name}`);
      }
      if (nested && nested.fieldsArray && typeof item === 'object') {
        return fromProtoJson(nested, item, `${path}.${field.name}`);
      }
      return item;
    };
    out[field.name] = Array.isArray(value) ? value.map(convert) : convert(value);
  }
  return out;
}

function parseDurationJson(text, path) {
  const match = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!match) throw new Error(`${path}: "${text}" is not a duration like "1.5s"`);
  const sign = match[1] ? -1 : 1;
  const nanos = match[3] ? Number(match[3].padEnd(9, '0')) : 0;
  return {seconds: String(sign * Number(match[2])), nanos: sign * nanos};
}

module.exports = {
  ReflectionClient,
  TEST_DECODING,
  PRINT_DECODING,
  toProtoJson,
  fromProtoJson,
  durationJson,
  describeReflected,
};
