// package-lock.json pins every npm package by hash and fetches nothing from
// anywhere but the npm registry (no git, file or tarball URLs of other
// hosts), so `npm ci` in tools/setup.sh installs the same bytes everywhere.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const {test} = require('node:test');

const REGISTRY = 'https://registry.npmjs.org/';
const lock = JSON.parse(fs.readFileSync(path.join(__dirname, 'package-lock.json'), 'utf8'));
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, 'package.json'), 'utf8'));

const installed = Object.entries(lock.packages).filter(([where]) => where !== '');

test('the lock is of the format npm ci reads and matches package.json', () => {
  assert.ok(lock.lockfileVersion >= 2, `lockfileVersion ${lock.lockfileVersion}`);
  assert.deepEqual(lock.packages[''].dependencies, manifest.dependencies);
  for (const name of Object.keys(manifest.dependencies)) {
    assert.ok(lock.packages[`node_modules/${name}`], `${name} is not in the lock`);
  }
});

test('every package comes from the npm registry, pinned by a sha512 hash', () => {
  assert.ok(installed.length > 0);
  for (const [where, entry] of installed) {
    if (entry.resolved !== undefined) {
      assert.ok(entry.resolved.startsWith(REGISTRY),
          `${where} resolves to ${entry.resolved}, not the npm registry`);
    }
    assert.match(entry.integrity || '', /^sha512-/, `${where} has no sha512 integrity`);
    assert.ok(!entry.link, `${where} is a link`);
  }
});
