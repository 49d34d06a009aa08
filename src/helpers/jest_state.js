// smoke's helper for jest's state diff (issue 26): with SMOKE_STATE=PATH, jest_reporter.js
// requires this file and, through it, snapshots the state that can cross from one test file to
// the next in one `jest --runInBand` process, and writes to PATH, as JSON lines, what each test
// file changed (the protocol is smoke's notes/state-protocol.md: a `begin` line after two
// baseline snapshots, then one `test` line per file, and `note` lines).
//
// What crosses between files: jest gives each test file its own global object, its own copy
// of `process` (its listeners stay on the copy) and its own copy of `process.env`, made from the
// real one as the file starts. What it shares is everything in the reporter's (outer) realm:
// the working directory, Node's core modules (the same objects for every file), the real
// `process.env` (a file reaches it through `process.loadEnvFile` or outer-realm code, and the
// next file's copy is made from it), the outer `globalThis` (reachable through
// `vm.runInThisContext` or a core function's `constructor`), the real process's listeners, and
// the timers and handles left running. So a snapshot holds, each by a name users would type:
//   cwd          `process.cwd()`
//   env          `process.env.FOO`, per variable
//   core-module  `require('fs').readFileSync`, each own property of each core module already
//                loaded, by identity (objects also by a shallow fingerprint of their own
//                keys), and one level down each function's own properties and its
//                prototype's: `require('events').prototype.emit`, `require('buffer').Buffer.poolSize`.
//                A core module a test file loads first (jest loads most) is new as a whole:
//                of it, only values Node cannot have put there (a test file's function, a
//                jest mock) are told, as changed from "(module not loaded before)".
//   global       `globalThis.x`, each own property of the outer global, the same way (Node's
//                classes on each file's global, `URL.prototype` and the like, are these)
//   listener     `process listeners: 'exit'`, the real process's listener count per event
//   timer        `timers` (ref'd timeouts), `handles: 'TCPServerWrap'` (counts by type)
//
// jest's own changes in this realm are left out: its module caches, Error's stack settings,
// Node's lazy globals resolving as jest reads them, jest-circus's error listeners.
//
// It must not change the program: it reads property descriptors (calling a getter only for a
// few of Node's own settings, GETTERS_READ, and never a Proxy's trap), requires no module the
// program has not loaded (but `inspector`, and only when a diff shows a new function, to say
// where it was defined: the debugger is on for that look-up only), adds no listener or timer,
// and never throws into jest (a part that fails writes a note once and is left out). A
// snapshot is bounded (names, keys, string lengths) and time-budgeted; values are compared by
// identity tokens that stay in this process and shown by deterministic strings (never an
// address). It is kept in smoke's repository as src/helpers/jest_state.js and written beside
// jest_reporter.js in smoke's private folder.
'use strict';

const fs = require('fs');

const BUDGET_MS = 500; // one snapshot's time budget: past it, the rest is left out (a note)
const MAX_NAMES = 20000; // names in one snapshot
const MAX_KEYS = 1000; // keys of one object remembered for `added` / `removed`
const MAX_CONTENT = 64; // entries of one object whose values go into its fingerprint
const MAX_LISTED = 10; // `added` / `removed` entries written per change
const MAX_STRING = 120; // characters of one shown value
const MAX_CHANGES = 200; // changes written for one test file (the first by name)

// Core modules never looked at: aliases of others (`sys` is util, `constants` a merge of
// os.constants and fs.constants), the process object (jest's copy is what files see), and
// debugging or experimental ones whose properties are no program state.
const CORE_SKIPPED = new Set([
  'sys', 'constants', 'process', 'repl', 'inspector', 'inspector/promises', 'trace_events',
  'wasi', 'test', 'test/reporters',
]);
// Properties that jest itself changes in this realm as it goes: the module caches (jest loads
// its own modules lazily), and Error's stack settings (babel and jest set them as they
// transform and report); a test file reaches neither (its Error is its own realm's).
const PROPS_SKIPPED = new Set([
  "require('module')._cache", "require('module')._pathCache", "require('module')._readPackage",
  'globalThis.Error.prepareStackTrace', 'globalThis.Error.stackTraceLimit',
]);
// A function's own properties that are not state: read neither as statics nor expanded.
const FUNCTION_OWN = new Set(['length', 'name', 'prototype', 'arguments', 'caller']);
// Core module accessors whose getter only returns a setting kept inside Node (the setter is
// how a program changes it): read through the getter, since their descriptor never changes.
const GETTERS_READ = new Set([
  "require('events').defaultMaxListeners", "require('events').captureRejections",
  "require('http').globalAgent", "require('https').globalAgent",
  "require('buffer').INSPECT_MAX_BYTES", "require('module').wrap", "require('module').wrapper",
]);
// Active resources that are requests in flight (a write, a lookup) or immediates (each runs
// on the next turn of the loop), not timers or handles left running.
const TRANSIENT = /Req|^WriteWrap$|^ShutdownWrap$|^ConnectWrap$|Job$|^Zlib$|^Immediate$/;
// jest-circus's error handlers on the real process: put there as each file starts and taken
// off as it ends, but left behind by a file that throws as it loads; the next file takes them
// off while it runs, so they change nothing for it.
const JEST_LISTENERS = new Set([
  'uncaughtExceptionListener', 'unhandledRejectionListener', 'rejectionHandledListener',
]);
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size').get;
const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size').get;
const fnToString = Function.prototype.toString;

function now() {
  return Number(process.hrtime.bigint()) / 1e6;
}

function cut(text) {
  if (text.length <= MAX_STRING) {
    return text;
  }
  let end = MAX_STRING - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) {
    end -= 1; // never half a surrogate pair
  }
  return `${text.slice(0, end)}…`;
}

function quote(text) {
  return `'${JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

function propertyName(base, key) {
  return IDENTIFIER.test(key) ? `${base}.${key}` : `${base}[${quote(key)}]`;
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

// Tokens and shown values. A token identifies a value within this process (objects by an id
// given at first sight, so the same state gives the same tokens); it is never written.
class Values {
  constructor() {
    this.ids = new WeakMap();
    this.symbols = new Map();
    this.next = 1;
  }

  id(object) {
    let id = this.ids.get(object);
    if (id === undefined) {
      id = this.next;
      this.next += 1;
      this.ids.set(object, id);
    }
    return id;
  }

  primitive(value) {
    if (typeof value === 'number' && Object.is(value, -0)) {
      return 'number:-0';
    }
    if (typeof value === 'symbol') {
      let id = this.symbols.get(value);
      if (id === undefined) {
        id = this.next;
        this.next += 1;
        this.symbols.set(value, id);
      }
      return `symbol:${id}`;
    }
    return `${typeof value}:${String(value)}`;
  }

  // A short token for a value one level down (inside a fingerprint).
  shallow(value) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      return this.primitive(value);
    }
    return `o:${this.id(value)}`;
  }

  // The token of a property (by its descriptor: a getter is never called) and, for an object,
  // its own keys for `added` / `removed`.
  descriptor(desc) {
    if (!('value' in desc)) {
      const get = desc.get ? this.id(desc.get) : 0;
      const set = desc.set ? this.id(desc.set) : 0;
      return { token: `a:${get}/${set}`, keys: null };
    }
    return this.value(desc.value);
  }

  // An object's token also carries its summary as it is now (`array (2 items)`), since the
  // object may change before the summary is shown; a Proxy is never looked into (its traps
  // are the program's code).
  value(value) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      return { token: this.primitive(value), keys: null };
    }
    const id = this.id(value);
    if (typeof value === 'function') {
      return { token: `f:${id}`, keys: null };
    }
    if (isProxy(value)) {
      return { token: `o:${id}`, keys: null, summary: '<Proxy>' };
    }
    const content = this.content(value);
    return { token: `o:${id}:${content.fingerprint}`, keys: content.keys, summary: content.summary };
  }

  // A shallow fingerprint of an object's own contents: its size, its first keys and the
  // tokens of the first values (data properties only; a Map's or Set's entries).
  content(object) {
    const parts = [];
    let keys = [];
    let size;
    let summary;
    if (Array.isArray(object)) {
      size = object.length;
      summary = `array (${plural(size, 'item', 'items')})`;
      for (let i = 0; i < Math.min(size, MAX_KEYS); i += 1) {
        const desc = Object.getOwnPropertyDescriptor(object, i);
        const token = desc && 'value' in desc ? this.shallow(desc.value) : 'hole';
        if (i < MAX_CONTENT) {
          parts.push(token);
        }
        if (desc && 'value' in desc && (desc.value === null || typeof desc.value !== 'object')) {
          keys.push(shortShow(desc.value));
        }
      }
    } else if (isMap(object) || isSet(object)) {
      const map = isMap(object);
      size = Reflect.apply(map ? mapSize : setSize, object, []);
      summary = map ? `Map (${plural(size, 'entry', 'entries')})` : `Set (${plural(size, 'item', 'items')})`;
      let i = 0;
      for (const entry of Reflect.apply(map ? Map.prototype.entries : Set.prototype.values, object, [])) {
        if (i >= MAX_KEYS) {
          break;
        }
        const key = map ? entry[0] : entry;
        keys.push(shortShow(key));
        if (i < MAX_CONTENT) {
          parts.push(`${this.shallow(key)}=${map ? this.shallow(entry[1]) : ''}`);
        }
        i += 1;
      }
    } else {
      const names = Object.getOwnPropertyNames(object);
      size = names.length;
      const named = className(object);
      summary = named === null ? `object (${plural(size, 'key', 'keys')})` : `<${named} object> (${plural(size, 'key', 'keys')})`;
      keys = names.slice(0, MAX_KEYS);
      for (let i = 0; i < Math.min(names.length, MAX_CONTENT); i += 1) {
        const desc = Object.getOwnPropertyDescriptor(object, names[i]);
        parts.push(`${names[i]}=${desc && 'value' in desc ? this.shallow(desc.value) : 'accessor'}`);
      }
    }
    keys.sort();
    return { fingerprint: `${size}|${keys.join('\u0000')}|${parts.join('\u0000')}`, keys, summary };
  }
}

function isMap(value) {
  try {
    Reflect.apply(mapSize, value, []);
    return true;
  } catch {
    return false;
  }
}

function isSet(value) {
  try {
    Reflect.apply(setSize, value, []);
    return true;
  } catch {
    return false;
  }
}

// A key or member as it is listed in `added` / `removed`.
function shortShow(value) {
  if (typeof value === 'string') {
    return cut(quote(value));
  }
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return cut(typeof value === 'bigint' ? `${value}n` : String(value));
  }
  return typeof value === 'function' ? '<function>' : '<object>';
}

function functionName(fn) {
  const desc = Object.getOwnPropertyDescriptor(fn, 'name');
  return desc && typeof desc.value === 'string' && desc.value !== '' ? desc.value : '(anonymous)';
}

function className(object) {
  let proto;
  try {
    proto = Object.getPrototypeOf(object);
  } catch {
    return null;
  }
  if (proto === null || proto === Object.prototype) {
    return null;
  }
  const desc = proto && Object.getOwnPropertyDescriptor(proto, 'constructor');
  if (desc && typeof desc.value === 'function') {
    const name = functionName(desc.value);
    return name === '(anonymous)' || name === 'Object' ? null : name;
  }
  return null;
}

// Where functions were defined, "file:line" (relative to the folder jest started in), found
// through the inspector protocol: the debugger is enabled only for the look-up, and only when
// a diff shows a new function; it lists every script loaded, so one look-up costs 50 to 150
// ms in a jest run. Given up for the rest of the run when the inspector is missing or one
// look-up took longer than LOCATE_MS.
const LOCATE_MS = 300;

class Locator {
  constructor(note, root) {
    this.note = note;
    this.root = root;
    this.failed = false;
  }

  locate(fns) {
    const found = new Map();
    if (this.failed || fns.length === 0) {
      return found;
    }
    const started = now();
    const key = Symbol.for('smoke.state.locate');
    let session = null;
    try {
      const inspector = require('inspector');
      session = new inspector.Session();
      session.connect();
      const scripts = new Map();
      session.on('Debugger.scriptParsed', (message) => {
        scripts.set(message.params.scriptId, message.params.url);
      });
      const post = (method, params) => {
        let error = null;
        let result = null;
        session.post(method, params, (e, r) => {
          error = e;
          result = r;
        });
        if (error) {
          throw error;
        }
        return result;
      };
      post('Debugger.enable', {});
      for (const fn of fns) {
        globalThis[key] = fn;
        const evaluated = post('Runtime.evaluate', { expression: `globalThis[Symbol.for('smoke.state.locate')]` });
        const objectId = evaluated && evaluated.result && evaluated.result.objectId;
        if (!objectId) {
          continue;
        }
        const props = post('Runtime.getProperties', { objectId, ownProperties: true });
        const internal = (props.internalProperties || []).find((p) => p.name === '[[FunctionLocation]]');
        const location = internal && internal.value && internal.value.value;
        const url = location && scripts.get(location.scriptId);
        if (url) {
          found.set(fn, `${displayPath(url, this.root)}:${location.lineNumber + 1}`);
        }
        post('Runtime.releaseObject', { objectId });
      }
      post('Debugger.disable', {});
      const took = now() - started;
      if (took > LOCATE_MS) {
        this.failed = true;
        this.note(`state: function locations given up (one look-up took ${Math.round(took)} ms)`);
      }
    } catch (error) {
      this.failed = true;
      this.note(`state: function locations unavailable (${error && error.message ? error.message : error})`);
    } finally {
      delete globalThis[key];
      if (session !== null) {
        try {
          session.disconnect();
        } catch {
          // already disconnected
        }
      }
    }
    return found;
  }
}

function displayPath(url, root) {
  let file = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  if (root !== null && file.startsWith(`${root}/`)) {
    file = file.slice(root.length + 1);
  }
  return file;
}

function safeCwd() {
  try {
    return process.cwd();
  } catch {
    return null;
  }
}

// One state name as a snapshot holds it: kind, section (the part of the snapshot it was read
// in), token, keys, and how to show it (the value, or the text itself).
function entry(kind, section, token, keys, show) {
  return { kind, section, token, keys, show };
}

class Snapshot {
  constructor(deadline) {
    this.names = new Map();
    this.done = new Set(); // sections read to their end
    this.planned = new Set(); // sections it set out to read (a core module loaded later is not)
    this.deadline = deadline;
    this.cutAt = null; // why the snapshot stopped early: a note
  }
}

const CUT_BUDGET = `state: a snapshot was cut at its ${BUDGET_MS / 1000} s budget; what it did not read is left out`;
const CUT_NAMES = `state: a snapshot was cut at ${MAX_NAMES} names; what it did not read is left out`;

class Tracker {
  constructor(file) {
    this.out = fs.openSync(file, 'w');
    this.values = new Values();
    this.notes = new Set();
    this.locator = new Locator((text) => this.note(text), safeCwd());
    this.previous = null;
    this.noise = new Set();
    this.first = new Map(); // each name's first token: its value then is shown as it is
    this.lazy = new Map(); // names first seen as one of Node's lazy properties: their token
    this.names = new WeakMap(); // each function read one level down: the name it is read by
    this.started = false;
  }

  write(message) {
    try {
      fs.writeSync(this.out, `${JSON.stringify(message)}\n`);
    } catch {
      // nowhere to say it
    }
  }

  note(text) {
    if (!this.notes.has(text)) {
      this.notes.add(text);
      this.write({ note: text });
    }
  }

  // The two baseline snapshots and the `begin` line: once, as the first test file starts.
  begin() {
    if (this.started) {
      return;
    }
    this.started = true;
    try {
      const t0 = now();
      const first = this.snapshot();
      const t1 = now();
      const second = this.snapshot();
      const t2 = now();
      this.remember(first);
      for (const [name, item] of second.names) {
        const old = first.names.get(name);
        if (old === undefined || old.token !== item.token) {
          this.noise.add(name);
        }
      }
      for (const name of first.names.keys()) {
        if (!second.names.has(name)) {
          this.noise.add(name);
        }
      }
      this.previous = second;
      this.write({
        begin: {
          runner: 'jest',
          names: second.names.size,
          noise: Array.from(this.noise).sort(),
          seconds: Math.round(Math.max(t1 - t0, t2 - t1)) / 1000,
        },
      });
    } catch (error) {
      this.note(`state: the baseline snapshot failed (${error && error.message ? error.message : error})`);
    }
  }

  // After a test file: its `test` line (written even when nothing changed).
  after(name) {
    if (!this.started) {
      this.begin();
    }
    let changes = [];
    try {
      const current = this.snapshot();
      this.remember(current);
      if (this.previous !== null) {
        changes = this.diff(this.previous, current);
      }
      this.previous = current;
    } catch (error) {
      this.note(`state: a snapshot failed (${error && error.message ? error.message : error})`);
    }
    this.write({ test: name, changes });
  }

  remember(snap) {
    for (const [name, item] of snap.names) {
      if (!this.first.has(name)) {
        this.first.set(name, item.token);
      }
    }
  }

  snapshot() {
    const snap = new Snapshot(now() + BUDGET_MS);
    const sections = [
      ['cwd', () => this.readCwd(snap)],
      ['env', () => this.readEnv(snap)],
      ['listeners', () => this.readListeners(snap)],
      ['timers', () => this.readTimers(snap)],
      ['globalThis', () => this.readObject(snap, 'global', 'globalThis', 'globalThis', globalThis)],
    ];
    for (const [id, object] of loadedCoreModules()) {
      sections.push([`core:${id}`, () => this.readObject(snap, 'core-module', `core:${id}`, `require('${id}')`, object)]);
    }
    for (const [section] of sections) {
      snap.planned.add(section);
    }
    for (const [section, read] of sections) {
      if (snap.cutAt !== null) {
        break;
      }
      if (now() > snap.deadline) {
        snap.cutAt = CUT_BUDGET;
        break;
      }
      try {
        if (read() !== false) {
          snap.done.add(section);
        }
      } catch (error) {
        this.note(`state: ${section} could not be read (${error && error.message ? error.message : error})`);
      }

    }
    if (snap.cutAt !== null) {
      this.note(snap.cutAt);
    }
    return snap;
  }

  // Adds a name to the snapshot; false when the snapshot is full or out of time (its section
  // is then left out of the diffs).
  add(snap, name, item) {
    if (snap.names.size >= MAX_NAMES) {
      snap.cutAt = CUT_NAMES;
      return false;
    }
    if ((snap.names.size & 127) === 0 && now() > snap.deadline) {
      snap.cutAt = CUT_BUDGET;
      return false;
    }
    snap.names.set(name, item);
    return true;
  }

  readCwd(snap) {
    let cwd;
    try {
      cwd = process.cwd();
    } catch (error) {
      cwd = `(unreadable: ${error && error.code ? error.code : 'error'})`;
    }
    this.add(snap, 'process.cwd()', entry('cwd', 'cwd', `s:${cwd}`, null, { text: cwd }));
  }

  readEnv(snap) {
    const env = process.env;
    for (const key of Object.keys(env)) {
      const value = env[key];
      if (!this.add(snap, propertyName('process.env', key), entry('env', 'env', `s:${value}`, null, { text: String(value) }))) {
        return false;
      }
    }
    return true;
  }

  readListeners(snap) {
    for (const event of process.eventNames()) {
      const count = process.rawListeners(event).filter((fn) => !JEST_LISTENERS.has(listenerName(fn))).length;
      if (count === 0) {
        continue;
      }
      const label = typeof event === 'symbol' ? String(event) : quote(String(event));
      const text = plural(count, 'listener', 'listeners');
      if (!this.add(snap, `process listeners: ${label}`, entry('listener', 'listeners', `c:${count}`, null, { text }))) {
        return false;
      }
    }
    return true;
  }

  readTimers(snap) {
    const counts = new Map();
    for (const type of process.getActiveResourcesInfo()) {
      if (!TRANSIENT.test(type)) {
        counts.set(type, (counts.get(type) || 0) + 1);
      }
    }
    for (const [type, count] of counts) {
      const name = type === 'Timeout' ? 'timers' : `handles: ${quote(type)}`;
      if (!this.add(snap, name, entry('timer', 'timers', `c:${count}`, null, { text: String(count) }))) {
        return false;
      }
    }
    return true;
  }

  // Each own string-keyed property of `object` (a core module's exports or the global object),
  // by its descriptor; and, one level down, each function's own properties (`Buffer.poolSize`)
  // and its prototype's (`EventEmitter.prototype.emit`), under the first name the function was
  // met by (a class reachable by several names is read once, always by the same one).
  readObject(snap, kind, section, base, object) {
    const context = { snap, kind, section };
    this.canonical(object, base);
    if (!this.readProperties(context, base, object, true)) {
      return false;
    }
    return typeof object !== 'function' || this.readPrototype(context, base, object);
  }

  readProperties(context, base, object, expand) {
    for (const key of Object.getOwnPropertyNames(object)) {
      const name = propertyName(base, key);
      if ((typeof object === 'function' && FUNCTION_OWN.has(key)) || PROPS_SKIPPED.has(name)) {
        continue;
      }
      let item;
      let value;
      try {
        const desc = Object.getOwnPropertyDescriptor(object, key);
        if (desc === undefined) {
          continue;
        }
        item = this.property(context, name, key, object, desc);
        // A lazy property's value is not read further: it was not there in the baseline.
        value = this.lazy.has(name) ? undefined : desc.value;
      } catch (error) {
        item = entry(context.kind, context.section, 'unreadable', null, { text: '(unreadable)' });
      }
      if (!this.add(context.snap, name, item)) {
        return false;
      }
      if (expand && typeof value === 'function' && this.canonical(value, name) === name) {
        if (!this.readProperties(context, name, value, false)) {
          return false;
        }
        if (!this.readPrototype(context, name, value)) {
          return false;
        }
      }
    }
    return true;
  }

  // The own properties of a function's `prototype` (when it is a plain data property).
  readPrototype(context, base, fn) {
    let desc;
    try {
      desc = Object.getOwnPropertyDescriptor(fn, 'prototype');
    } catch {
      return true;
    }
    const proto = desc && desc.value;
    if (proto === null || typeof proto !== 'object') {
      return true;
    }
    const name = `${base}.prototype`;
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor') {
        continue;
      }
      let item;
      try {
        const own = Object.getOwnPropertyDescriptor(proto, key);
        if (own === undefined) {
          continue;
        }
        item = this.property(context, propertyName(name, key), key, proto, own);
      } catch {
        item = entry(context.kind, context.section, 'unreadable', null, { text: '(unreadable)' });
      }
      if (!this.add(context.snap, propertyName(name, key), item)) {
        return false;
      }
    }
    return true;
  }

  // The name a function is read under: the first it was met by, in this process.
  canonical(fn, name) {
    let known = this.names.get(fn);
    if (known === undefined) {
      known = name;
      this.names.set(fn, name);
    }
    return known;
  }

  // One property's entry: its token by its descriptor (a getter is called only for the few
  // core settings in GETTERS_READ; an object's value also gets a shallow fingerprint, unless
  // it is the object itself, as `globalThis.global`).
  property(context, name, key, object, desc) {
    let { token, keys, summary } = desc.value === object ? { token: 'self', keys: null } : this.values.descriptor(desc);
    let show = { desc, summary };
    if (!('value' in desc) && GETTERS_READ.has(name) && desc.get) {
      const value = Reflect.apply(desc.get, object, []);
      ({ token, keys, summary } = this.values.value(value));
      show = { desc: { value }, summary };
    } else if (!('value' in desc) && isLazy(key, desc)) {
      if (!this.lazy.has(name)) {
        this.lazy.set(name, token);
      }
    } else if ('value' in desc && this.lazy.has(name) && isResolved(key, desc.value)) {
      // Node's lazy property, loaded by someone's first read: the same value as before.
      token = this.lazy.get(name);
    }
    return entry(context.kind, context.section, token, keys, show);
  }

  diff(before, after) {
    const changed = [];
    const names = new Set();
    for (const name of before.names.keys()) {
      names.add(name);
    }
    for (const name of after.names.keys()) {
      names.add(name);
    }
    for (const name of Array.from(names).sort()) {
      if (this.noise.has(name)) {
        continue;
      }
      const old = before.names.get(name);
      const cur = after.names.get(name);
      // A name is compared only where both snapshots read its section to the end. A core
      // module first loaded since the last snapshot is new as a whole: of its properties, only
      // those that cannot be Node's own (made in a test file's realm, or a jest mock) are told.
      const section = (old || cur).section;
      if (!before.planned.has(section) && after.done.has(section) && cur !== undefined && notNodes(cur)) {
        cur.unloadedBefore = true;
        changed.push({ name, old, cur });
        continue;
      }
      if (!before.done.has(section) || !after.done.has(section)) {
        continue;
      }
      if (old !== undefined && cur !== undefined && old.token === cur.token) {
        continue;
      }
      changed.push({ name, old, cur });
    }
    if (changed.length > MAX_CHANGES) {
      this.note(`state: a test file's changes were cut at ${MAX_CHANGES}`);
      changed.length = MAX_CHANGES;
    }
    // A value is shown as it is when it is the first one seen for its name; a function that
    // replaced it, or a new name's, is shown with where it was defined.
    const functions = [];
    for (const { name, old, cur } of changed) {
      for (const item of [old, cur]) {
        if (item !== undefined) {
          item.replaced = item.token !== this.first.get(name);
          item.fresh = old === undefined || item.replaced;
          const fn = item.show.desc && item.show.desc.value;
          if (item.fresh && typeof fn === 'function' && !isMock(fn)) {
            functions.push(fn);
          }
        }
      }
    }
    const locations = this.locator.locate(functions.slice(0, MAX_LISTED));
    return changed.map(({ name, old, cur }) => {
      let shownBefore = old === undefined ? null : this.show(old, locations);
      if (cur !== undefined && cur.unloadedBefore) {
        shownBefore = NOT_LOADED;
      }
      const change = {
        kind: (old || cur).kind,
        name,
        before: shownBefore,
        after: cur === undefined ? null : this.show(cur, locations),
        added: [],
        removed: [],
      };
      if (old !== undefined && cur !== undefined && old.keys && cur.keys) {
        const was = new Set(old.keys);
        const is = new Set(cur.keys);
        change.added = cur.keys.filter((k) => !was.has(k)).slice(0, MAX_LISTED);
        change.removed = old.keys.filter((k) => !is.has(k)).slice(0, MAX_LISTED);
      }
      return change;
    });
  }

  show(item, locations) {
    try {
      if (item.show.text !== undefined) {
        return cut(item.show.text);
      }
      const desc = item.show.desc;
      if (!('value' in desc)) {
        const kind = desc.get && desc.set ? 'getter/setter' : desc.get ? 'getter' : 'setter';
        return `<${kind}${item.replaced ? ' (replaced)' : ''}>`;
      }
      if (item.show.summary !== undefined) {
        return cut(item.show.summary);
      }
      return cut(this.showValue(desc.value, item, locations));
    } catch {
      return '(unreadable)';
    }
  }

  showValue(value, item, locations) {
    if (typeof value === 'string') {
      return quote(value);
    }
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      if (typeof value === 'bigint') {
        return `${value}n`;
      }
      return Object.is(value, -0) ? '-0' : String(value);
    }
    if (typeof value === 'function') {
      if (isMock(value)) {
        return '<jest mock function>';
      }
      const name = functionName(value);
      const what = isClass(value) ? 'class' : 'function';
      const where = item.fresh ? locations.get(value) : undefined;
      if (where) {
        return `<${what} ${name} at ${where}>`;
      }
      const foreign = item.fresh && !ofThisRealm(value);
      if (foreign) {
        return `<${what} ${name} (${item.replaced ? 'replaced, ' : ''}from a test file)>`;
      }
      return item.replaced ? `<${what} ${name} (replaced)>` : `<${what} ${name}>`;
    }
    return value === globalThis ? '<globalThis>' : '<object>';
  }
}

// What a property of a core module first loaded by a test file is shown to have been before.
const NOT_LOADED = '(module not loaded before)';

// Whether an entry's value cannot be one Node put there: a function or object made in a test
// file's realm, or a jest mock.
function notNodes(item) {
  const value = item.show.desc && item.show.desc.value;
  if (typeof value === 'function') {
    return isMock(value) || !ofThisRealm(value);
  }
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) !== null
    && !ofThisRealm(value);
}

// One of Node's lazily loaded properties (`get atob` / `set atob`): the first read replaces it
// with the value it loads.
function isLazy(key, desc) {
  return Boolean(desc.get && desc.set) && functionName(desc.get) === `get ${key}`
    && functionName(desc.set) === `set ${key}`;
}

// The value a lazy property loaded: made in this realm, a function or class of the property's
// own name, or an object of this realm (a test file's function never qualifies; a property
// set by assignment has no inferred name).
function isResolved(key, value) {
  if (typeof value === 'function') {
    return functionName(value) === key && ofThisRealm(value);
  }
  return value !== null && typeof value === 'object' && className(value) !== null && ofThisRealm(value);
}

// Whether an object's prototype chain ends in this realm's Object.prototype (jest runs each
// test file in its own vm context, whose objects and functions end in another one).
function ofThisRealm(value) {
  let proto = Object.getPrototypeOf(value);
  for (let depth = 0; proto !== null && depth < 64; depth += 1) {
    if (proto === Object.prototype) {
      return true;
    }
    proto = Object.getPrototypeOf(proto);
  }
  return false;
}

// Whether a value is a Proxy, by Node's own check (util is loaded in any jest process; without
// it, nothing is taken for a Proxy).
function isProxy(value) {
  const util = process.moduleLoadList && process.moduleLoadList.includes('NativeModule util') ? require('util') : null;
  return Boolean(util && util.types && util.types.isProxy(value));
}

// A jest.fn() or jest.spyOn() mock (its name is jest's, its code jest-mock's).
function isMock(fn) {
  const mock = Object.getOwnPropertyDescriptor(fn, '_isMockFunction');
  return Boolean(mock && mock.value === true);
}

// A listener's function name (a `once` listener's, under its wrapper).
function listenerName(fn) {
  const inner = Object.getOwnPropertyDescriptor(fn, 'listener');
  return functionName(inner && typeof inner.value === 'function' ? inner.value : fn);
}

function isClass(fn) {
  try {
    return /^class\b/.test(Reflect.apply(fnToString, fn, []));
  } catch {
    return false;
  }
}

// The core modules already loaded in this process (Node lists each as it compiles it), by
// their public name, each once (an alias such as `path/posix` is the object `path` is): none is
// loaded here, not even `module` for its list of names.
function loadedCoreModules() {
  const seen = new Set();
  const modules = [];
  for (const line of process.moduleLoadList || []) {
    if (!line.startsWith('NativeModule ')) {
      continue;
    }
    const id = line.slice('NativeModule '.length);
    if (id.startsWith('internal/') || id.startsWith('_') || CORE_SKIPPED.has(id)) {
      continue;
    }
    let exports;
    try {
      exports = require(id);
    } catch {
      continue;
    }
    if ((typeof exports !== 'object' && typeof exports !== 'function') || exports === null || seen.has(exports)) {
      continue;
    }
    seen.add(exports);
    modules.push([id, exports]);
  }
  // In the order of their names, so that the same modules give the same names in any order
  // of loading (a class reachable from two modules is read under the first).
  return modules.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

// The tracker writing to PATH, or null when PATH cannot be opened (jest then runs as without
// SMOKE_STATE, and smoke finds no state lines).
function tracker(file) {
  try {
    return new Tracker(file);
  } catch {
    return null;
  }
}

module.exports = { tracker };
