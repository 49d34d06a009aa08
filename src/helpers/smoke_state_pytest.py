"""smoke's state snapshots for pytest: what each test left changed in its process (issue 26).

smoke reruns a minimal failing sequence (a polluter, then its victim) once more with
SMOKE_STATE=PATH, and its pytest plugin (smoke_fork_pytest, written beside this file) imports
this module only then. A Tracker takes two snapshots of the process's reachable state just before
the first test (what differs between them is noise), then one after each test's teardown, and
writes to PATH, as JSON lines flushed one by one, what each test changed: the `begin` line, one
`test` line per test with its changes, and `note` lines (smoke's state protocol, issue 26).

A snapshot maps the dotted name a user would type to (kind, fingerprint, display, members):
- module-global: the globals of every module in sys.modules that is the project's or one of its
  libraries' (not the standard library, not pytest, pluggy, coverage, pytest plugins or smoke's
  own helpers), dunder names left out (`__warningregistry__` changes whenever a warning is
  issued); an instance of a project or library class is fingerprinted by its own attributes too,
  so `settings.debug = True` on a module-level object shows as `pkg.settings.debug`;
- class-attribute: the own `__dict__` of each class such a module defines (a method replaced on
  the class shows here);
- env (`os.environ['X']`), cwd (`os.getcwd()`), sys-path (`sys.path`), sys-modules (`sys.modules`:
  the project and library modules imported or dropped, one change), logging (levels, handlers,
  `disabled` and `propagate` of the root and the named loggers, `logging.disable`), signal (the
  Python-level handler of each catchable signal).

A fingerprint is bounded and deterministic within the process: scalars by value, functions by
identity and code, classes and other objects by identity, containers by identity, length and
the tokens of at most 1000 keys or members (their values too, for at most 64), never by memory
address in what is shown. The diff of two snapshots lists created, deleted and changed names,
with the keys or members added and removed (at most 10 each, sorted), and, for a small dict or
an object whose keys stayed, each value that changed as its own name (`pkg.CONFIG['debug']`,
`pkg.settings.debug`). Globals of a module that was imported, dropped or imported again between
the two snapshots are not listed one by one: the sys.modules change says it.

What it must not do: change the program it watches. It reads through `__dict__` and the
descriptors of `type` and `object` (no property, `__getattr__`, lazy proxy or user `__repr__`,
`__eq__` or `__hash__` runs: only str keys are hashed as they are), imports nothing (os, sys,
time and json are the plugin's own imports; logging and signal are read from sys.modules),
keeps no reference to the program's objects from one snapshot to the next (only ids, numbers and
strings), and never raises: a value it cannot read is skipped, and said once in a note. A
snapshot stops after 0.5 s or 50000 names, keeping what it took (the project's own modules are
read first), and says so once.
"""

import json
import os
import sys
import time

# Bounds (the protocol's): names per snapshot, time per snapshot, keys or members fingerprinted
# per container, of which values too for at most this many, listed per change, text per value.
MAX_NAMES = 50000
BUDGET = 0.5
MAX_MEMBERS = 1000
MAX_CONTENT = 64
MAX_LISTED = 10
MAX_TEXT = 120

# Top-level packages that are the runner's or smoke's, not the project's: pytest and what it is
# made of or imports lazily to report (pygments), its plugins (any pytest_* package too), the
# coverage and distribution tools, and smoke's own helpers.
EXCLUDED = frozenset(
    {
        "__main__",
        "pytest",
        "_pytest",
        "pluggy",
        "py",
        "iniconfig",
        "exceptiongroup",
        "tomli",
        "pygments",
        "colorama",
        "coverage",
        "xdist",
        "execnet",
        "_virtualenv",
        "_distutils_hack",
        "smoke_fork_pytest",
        "smoke_state_pytest",
    }
)

# Class dict entries that are bookkeeping, not state.
CLASS_SKIPPED = frozenset(
    {
        "__dict__",
        "__weakref__",
        "__doc__",
        "__module__",
        "__qualname__",
        "__annotations__",
        "__firstlineno__",
        "__static_attributes__",
        "__abstractmethods__",
        "_abc_impl",
        # unittest's bookkeeping on a TestCase class (doClassCleanups, its suites).
        "tearDown_exceptions",
        "_classSetupFailed",
    }
)

# The order kinds are listed in.
KINDS = (
    "module-global",
    "class-attribute",
    "env",
    "cwd",
    "sys-path",
    "sys-modules",
    "logging",
    "signal",
)
_KIND_ORDER = {kind: i for i, kind in enumerate(KINDS)}

_FunctionType = type(lambda: None)
_ModuleType = type(sys)
_BuiltinType = type(len)


class _Probe:
    def method(self):
        pass


_MethodType = type(_Probe().method)
del _Probe
_NoneType = type(None)

# Descriptors read straight from the C types, so that a metaclass or a class cannot put a
# property in their way.
_module_dict = _ModuleType.__dict__["__dict__"].__get__
_class_dict = type.__dict__["__dict__"].__get__
_class_module = type.__dict__["__module__"].__get__
_class_qualname = type.__dict__["__qualname__"].__get__
_class_mro = type.__dict__["__mro__"].__get__
_GetSetType = type(type.__dict__["__dict__"])

_dict_keys = dict.keys
_dict_items = dict.items
_dict_len = dict.__len__
_list_iter = list.__iter__

# Values whose token is the value itself (with its type: 1, 1.0 and True are equal).
_SCALARS = frozenset({int, bool, _NoneType, bytes, complex})
# Tuples of these are their own token (nothing of the program runs when they are compared).
_PLAIN = frozenset({str, int, bool, _NoneType, bytes})
_STR = frozenset({str})
_INT = frozenset({int})

# What a snapshot does with a value, by the value's exact type for the common built-in ones
# (by _Reader.category for the others): a scalar is compared by value, a function by identity
# and code, a container by identity, length and members, an instance of a project or library
# class by identity and attributes, anything else (a class, a module, a C function, a
# descriptor, an instance of a standard library or C class) by identity.
_SCALAR = "scalar"
_FUNCTION = "function"
_CLASS = "class"
_MODULE = "module"
_INSTANCE = "instance"
_OPAQUE = "opaque"
_CONTAINERS = (dict, list, set, tuple, frozenset)
_HOW = {t: _SCALAR for t in (str, int, bool, float, bytes, complex, _NoneType)}
_HOW.update({t: t for t in _CONTAINERS})
_HOW.update(
    {
        _FunctionType: _FUNCTION,
        type: _CLASS,
        _ModuleType: _MODULE,
        _BuiltinType: _OPAQUE,
        _MethodType: _OPAQUE,
        classmethod: _OPAQUE,
        staticmethod: _OPAQUE,
        property: _OPAQUE,
        type(str.join): _OPAQUE,
        type(object.__init__): _OPAQUE,
        type(type.__dict__["__dict__"]): _OPAQUE,
        type(_ModuleType.__dict__["__dict__"]): _OPAQUE,
        type(object().__str__): _OPAQUE,
    }
)

# The text of functions by (id, id of the code, word): computing it is most of a snapshot's
# cost otherwise. Ids and strings only, no reference to a function.
_FUNCTION_TEXTS = {}

# Each snapshot's number (Snapshot.serial).
_SERIALS = iter(range(1, 1 << 62))


def _cut(text, limit=MAX_TEXT):
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _plural(n, word):
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def _folders(root):
    """The folders code files are shown relative to: the root, then sys.path's, longest first."""
    found = []
    try:
        paths = [p for p in list(sys.path) if type(p) is str and os.path.isabs(p)]
    except Exception:
        paths = []
    for path in sorted(paths, key=len, reverse=True):
        folder = path.rstrip(os.sep) + os.sep
        if folder != os.sep and folder not in found:
            found.append(folder)
    if root:
        found.insert(0, root.rstrip(os.sep) + os.sep)
    return found


class _Reader:
    """One snapshot's reading: the root paths are shown relative to, caches, the deadline, and
    what went wrong."""

    def __init__(self, root, budget, max_names, previous=None):
        self.root = root
        self.files = {}
        self.included = {}
        self.deadline = time.perf_counter() + budget
        self.budget = budget
        self.max_names = max_names
        self.failures = []
        self.cut = None
        self.deque = getattr(sys.modules.get("collections"), "deque", None)
        self.enum_meta = getattr(sys.modules.get("enum"), "EnumMeta", None)
        self.stdlib = getattr(sys, "stdlib_module_names", None)
        self.stdlib_dir = os.path.dirname(os.__file__) + os.sep
        self.previous = previous
        self.folders = None
        self.categories = {}
        self.dict_of = {}

    def fail(self, name, error):
        if len(self.failures) < 3:
            self.failures.append("%s: %s" % (name, type(error).__name__))

    # Which modules are the project's or its libraries'.

    def is_included(self, name):
        known = self.included.get(name)
        if known is None:
            known = self.included[name] = self._included(name)
        return known

    def _included(self, name):
        if type(name) is not str:
            return False
        top = name.partition(".")[0]
        if top in EXCLUDED or top.startswith(("pytest_", "_pytest", "__editable__")):
            return False
        if self.stdlib is not None:
            return top not in self.stdlib and top not in sys.builtin_module_names
        # Before Python 3.10: by where the module's file is.
        module = sys.modules.get(name)
        try:
            path = _module_dict(module).get("__file__")
        except Exception:
            return False
        if top in sys.builtin_module_names:
            return False
        if not isinstance(path, str):
            return True
        return not path.startswith(self.stdlib_dir) or "-packages" + os.sep in path

    def is_project(self, module):
        """Whether a module's file is under the root, outside any site-packages."""
        try:
            path = _module_dict(module).get("__file__")
        except Exception:
            return False
        if not (isinstance(path, str) and self.root):
            return False
        root = self.root.rstrip(os.sep) + os.sep
        return path.startswith(root) and "-packages" + os.sep not in path[len(root) :]

    # Text and tokens of values.

    def where(self, filename):
        """A code file as shown: relative to the root when under it, else to the sys.path
        folder it is in (site-packages), else as it is."""
        shown = self.files.get(filename)
        if shown is None:
            shown = filename
            if isinstance(filename, str):
                if self.folders is None:
                    self.folders = _folders(self.root)
                for folder in self.folders:
                    if filename.startswith(folder):
                        shown = filename[len(folder) :].replace(os.sep, "/")
                        break
            self.files[filename] = shown
        return shown

    def function_text(self, function, word="function"):
        key = (id(function), id(function.__code__), word)
        text = _FUNCTION_TEXTS.get(key)
        if text is None:
            if len(_FUNCTION_TEXTS) > 100000:
                _FUNCTION_TEXTS.clear()
            text = _FUNCTION_TEXTS[key] = self._function_text(function, word)
        return text

    def _function_text(self, function, word):
        try:
            inner = function
            for _ in range(8):
                wrapped = inner.__dict__.get("__wrapped__")
                if type(wrapped) is not _FunctionType:
                    break
                inner = wrapped
            code = inner.__code__
            return "<%s %s at %s:%d>" % (
                word,
                function.__qualname__,
                self.where(code.co_filename),
                code.co_firstlineno,
            )
        except Exception:
            return "<%s>" % word

    def class_text(self, cls):
        try:
            return "<class '%s.%s'>" % (_class_module(cls), _class_qualname(cls))
        except Exception:
            return "<class>"

    def instance_dict(self, value):
        """An object's own attribute dict, through object's own `__dict__` descriptor only."""
        t = type(value)
        found = self.dict_of.get(t, self)
        if found is self:
            found = None
            try:
                for klass in _class_mro(t):
                    got = _class_dict(klass).get("__dict__")
                    if got is not None:
                        if type(got) is _GetSetType:
                            found = got
                        break
            except Exception:
                pass
            self.dict_of[t] = found
        if found is None:
            return None
        try:
            got = found.__get__(value)
        except Exception:
            return None
        return got if type(got) is dict else None

    def category(self, t):
        """What a type's values are to a snapshot: a container's base type, _CLASS, _MODULE,
        _INSTANCE (a project or library class, fingerprinted by its attributes too) or
        _OPAQUE. Kept for the snapshot only (no reference to the program's classes outlives
        it)."""
        found = self.categories.get(t)
        if found is None:
            found = self.categories[t] = self._category(t)
        return found

    def _category(self, t):
        try:
            if issubclass(t, type):
                return _CLASS
            if issubclass(t, _ModuleType):
                return _MODULE
            for base in (dict, list, set, tuple, frozenset):
                if issubclass(t, base):
                    return base
            if self.deque is not None and issubclass(t, self.deque):
                return self.deque
            if self.is_included(_class_module(t)):
                return _INSTANCE
        except Exception:
            pass
        return _OPAQUE

    def text(self, value, depth=0):
        """A short deterministic human string for a value, at most MAX_TEXT characters."""
        t = type(value)
        how = _HOW.get(t)
        if how is _SCALAR:
            return _render(self.token(value))
        if t is _FunctionType:
            return self.function_text(value)
        try:
            if how is None:
                how = self.category(t)
            if how is _CLASS:
                return self.class_text(value)
            if how is _MODULE:
                name = _module_dict(value).get("__name__")
                return "<module %s>" % _cut(repr(name), 100)
            if t is _MethodType:
                return self.function_text(value.__func__, "bound method")
            if t is _BuiltinType:
                return "<built-in function %s>" % value.__name__
            if t is classmethod or t is staticmethod:
                inner = value.__func__
                if type(inner) is _FunctionType:
                    return self.function_text(inner, t.__name__)
                return "<%s>" % t.__name__
            if t is property:
                return "<property>"
            if how is tuple and depth == 0 and len(value) <= 8:
                parts = [self.text(e, 1) for e in tuple.__iter__(value)]
                return _cut("(%s%s)" % (", ".join(parts), "," if len(parts) == 1 else ""))
            if how in _CONTAINERS or how is self.deque:
                n = how.__len__(value)
                word = "key" if how is dict else "item"
                return "%s (%s)" % (_class_qualname(t), _plural(n, word))
            if self.enum_meta is not None and isinstance(t, self.enum_meta):
                own = self.instance_dict(value) or {}
                return _cut("%s.%s" % (_class_qualname(t), own.get("_name_")))
            own = self.instance_dict(value)
            if own is not None and type(own.get("__wrapped__")) is _FunctionType:
                return self.function_text(own["__wrapped__"], _class_qualname(t))
            return "<%s object>" % _class_qualname(t)
        except Exception:
            return "<object>"

    def token(self, value):
        """What a key, member or value is compared by: the value itself for text and numbers,
        else the object's id with its text (and, for a function, its code's id)."""
        t = type(value)
        if t is str:
            return value
        if t is float:
            return (t, repr(value))
        if t in _SCALARS:
            if t is int and value.bit_length() > 256:
                return (t, "int (%d bits)" % value.bit_length(), value)
            return (t, value)
        if t is tuple:
            if set(map(type, value)) <= _PLAIN:
                return (t, value)
            return (t, self.text(value))
        if t is _FunctionType:
            return (id(value), self.function_text(value), id(value.__code__))
        return (id(value), self.text(value))

    def tokens(self, values):
        """Tokens of an iterable, fast when every value is a str or every one an int."""
        values = tuple(values)
        types = set(map(type, values))
        if types <= _STR or types <= _INT:
            return values
        return tuple(map(self.token, values))

    # Entries.

    def shown(self, name, fingerprint, value):
        """The display of a value: the previous snapshot's when its fingerprint is the same."""
        if self.previous is not None:
            old = self.previous.get(name)
            if old is not None and old[1] == fingerprint:
                return old[2]
        return self.text(value)

    def entry(self, kind, name, value, how=None):
        """(kind, fingerprint, display, members) for one value (display None: the
        fingerprint's own text, see _display); `how`: what _HOW or category says of its
        type, when the caller knows."""
        t = type(value)
        if how is None:
            how = _HOW.get(t)
        if how is _SCALAR:
            return (kind, self.token(value), None, None)
        if how is _FUNCTION:
            fingerprint = (id(value), id(value.__code__))
            return (kind, fingerprint, self.shown(name, fingerprint, value), None)
        if how is None:
            how = self.category(t)
        if how is _OPAQUE or how is _CLASS or how is _MODULE:
            return (kind, id(value), self.shown(name, id(value), value), None)
        if how is _INSTANCE:
            members = None
            own = self.instance_dict(value)
            if own is not None:
                n = _dict_len(own)
                if n <= MAX_CONTENT:
                    token = self.token
                    members = (
                        "attrs",
                        {k: token(v) for k, v in list(_dict_items(own)) if type(k) is str},
                    )
                else:
                    members = ("size", n)
            return (kind, id(value), self.shown(name, id(value), value), members)
        return self.container_entry(kind, name, value, how)

    def container_entry(self, kind, name, value, base):
        n = base.__len__(value)
        fingerprint = (id(value), n)
        display = self.shown(name, fingerprint, value)
        members = None
        if base is dict:
            if n <= MAX_MEMBERS:
                keys = tuple(_dict_keys(value))
                plain = set(map(type, keys)) <= _STR
                keyset = frozenset(keys) if plain else frozenset(map(self.token, keys))
                values = None
                if n <= MAX_CONTENT:
                    items = list(_dict_items(value))
                    if plain and set(map(type, dict.values(value))) <= _STR:
                        values = dict(items)
                    else:
                        token = self.token
                        values = {token(k): token(v) for k, v in items}
                members = ("keys", keyset, values)
        elif base is set or base is frozenset:
            if n <= MAX_MEMBERS:
                members = ("keys", frozenset(self.tokens(base.__iter__(value))), None)
        elif n <= MAX_MEMBERS:
            # list, tuple, deque: the members in their order.
            members = ("items", self.tokens(base.__iter__(value)))
        return (kind, fingerprint, display, members)

    def over(self, out):
        if self.cut is None:
            if len(out) >= self.max_names:
                self.cut = "snapshot cut at %d names" % self.max_names
            elif time.perf_counter() > self.deadline:
                self.cut = "snapshot cut after %g s (%d names taken)" % (self.budget, len(out))
        return self.cut is not None


class Snapshot(dict):
    """name -> (kind, fingerprint, display, members), with what the diff needs besides: the id
    of every module in sys.modules by name (`modules`), the project and library ones
    (`included`), whether the snapshot was cut short (`cut`), notes, and the seconds it took."""

    modules = None
    groups = None
    # The snapshot this one took unchanged entries from (its serial), and the names it took.
    serial = 0
    based_on = None
    copied = ()
    included = frozenset()
    cut = None
    notes = ()
    seconds = 0.0


def snapshot(root=None, previous=None, budget=BUDGET, max_names=MAX_NAMES):
    """Take a snapshot of the process's reachable state (see the module's docstring). `root`:
    the folder function locations are shown relative to; `previous`: a snapshot whose displays
    are taken again for the values whose fingerprint has not changed (they cost the most)."""
    started = time.perf_counter()
    reader = _Reader(root, budget, max_names, previous)
    out = Snapshot()
    out.groups = {}
    out.copied = []
    out.serial = next(_SERIALS)
    if previous is not None:
        out.based_on = previous.serial
    # No garbage collection while reading: the snapshot's own allocations would otherwise run
    # the program's finalizers and weakref callbacks in the middle of it (and cost time).
    gc = sys.modules.get("gc")
    collecting = gc is not None and gc.isenabled()
    if collecting:
        gc.disable()
    try:
        _read(reader, out)
    finally:
        if collecting:
            gc.enable()
    out.seconds = time.perf_counter() - started
    return out


def _read(reader, out):
    try:
        modules = list(sys.modules.items())
    except Exception as error:
        reader.fail("sys.modules", error)
        modules = []
    out.modules = {}
    for name, module in modules:
        if type(name) is str and issubclass(type(module), _ModuleType):
            out.modules[name] = id(module)
    included = sorted(name for name in out.modules if reader.is_included(name))
    out.included = frozenset(included)
    _process_state(reader, out)
    # Each module object once, under the name it gives itself when sys.modules has it twice
    # (requests.packages.urllib3 is urllib3).
    names_of = {}
    for name in included:
        names_of.setdefault(out.modules[name], []).append(name)
    by_name = dict(modules)
    # The project's own modules first (those under the root, not in a site-packages), so that a
    # snapshot cut short keeps them.
    for name in sorted(included, key=lambda n: (not reader.is_project(by_name[n]), n)):
        if reader.over(out):
            break
        module = by_name[name]
        try:
            space = _module_dict(module)
        except Exception as error:
            reader.fail(name, error)
            continue
        aliases = names_of[id(module)]
        if len(aliases) > 1:
            own = space.get("__name__")
            if name != (own if own in aliases else aliases[0]):
                continue
        _module_state(reader, out, name, space)
    notes = []
    if reader.cut:
        notes.append(reader.cut)
    if reader.failures:
        notes.append("values that could not be read were skipped: " + ", ".join(reader.failures))
    out.cut = reader.cut
    out.notes = notes


def _module_state(reader, out, name, space):
    _scan(reader, out, name, space, "module-global", name, None, set(), 0)


def _scan(reader, out, prefix, space, kind, module, qualname, seen, depth):
    """The entries of one module's globals (`qualname` None) or of one class's own attributes,
    and of the classes defined there, under `prefix`.

    A namespace whose keys and values are the same objects as in the previous snapshot (by id)
    takes the previous entries of the values that cannot change in place (text, numbers,
    functions, classes, descriptors), and reads again only its containers, its instances of the
    project's classes and its classes: most of a snapshot is unchanged, and reading a value is
    what costs."""
    if reader.over(out):
        return
    try:
        keys = tuple(space.keys())
        values = tuple(space.values())
        if len(keys) != len(values):
            raise RuntimeError("changed while read")
    except Exception as error:
        reader.fail(prefix, error)
        return
    ids = tuple(map(id, values))
    old = reader.previous.groups.get(prefix) if reader.previous is not None else None
    if old is not None and old[0] == keys and old[1] == ids:
        # The same names and objects: take the stable entries, read the others again.
        out.update(old[3])
        out.copied.append(old[2])
        out.groups[prefix] = old
        todo = [(key, space[key]) for key in old[4]]
        _read_values(reader, out, prefix, todo, kind, module, qualname, seen, depth, None)
        return
    stable = ([], [])
    volatile = []
    _read_values(
        reader,
        out,
        prefix,
        zip(keys, values),
        kind,
        module,
        qualname,
        seen,
        depth,
        stable,
        volatile,
    )
    out.groups[prefix] = (keys, ids, tuple(stable[0]), dict(zip(*stable)), tuple(volatile))


def _read_values(
    reader, out, prefix, items, kind, module, qualname, seen, depth, stable, volatile=None
):
    """The entries of `items` (key, value) of one namespace (see _scan), adding the names and
    entries of those that cannot change in place to `stable` and the other keys to `volatile`
    (when given)."""
    for key, value in items:
        if type(key) is not str:
            continue
        if qualname is None:
            if key[:2] == "__" and key[-2:] == "__":
                continue
        elif key in CLASS_SKIPPED:
            continue
        full = prefix + "." + key
        try:
            t = type(value)
            how = _HOW.get(t)
            if how is None:
                how = reader.category(t)
            entry = out[full] = reader.entry(kind, full, value, how)
            again = False
            if how is _CLASS:
                if (
                    depth < 4
                    and id(value) not in seen
                    and _class_module(value) == module
                    and (qualname is None or _class_qualname(value) == qualname + "." + key)
                ):
                    seen.add(id(value))
                    again = True
                    _scan(
                        reader,
                        out,
                        full,
                        _class_dict(value),
                        "class-attribute",
                        module,
                        _class_qualname(value),
                        seen,
                        depth + 1,
                    )
            elif how is dict or how is list or how is set or how is _INSTANCE:
                again = True
            elif how is reader.deque and how is not None:
                again = True
            if stable is not None:
                if again:
                    volatile.append(key)
                else:
                    stable[0].append(full)
                    stable[1].append(entry)
        except Exception as error:
            reader.fail(full, error)


def _process_state(reader, out):
    """The environment, cwd, sys.path, sys.modules, logging and signal handlers."""
    try:
        for key, value in list(os.environ.items()):
            out["os.environ[%r]" % key] = ("env", value, _cut(value), None)
    except Exception as error:
        reader.fail("os.environ", error)
    try:
        cwd = os.getcwd()
        out["os.getcwd()"] = ("cwd", cwd, _cut(cwd), None)
    except Exception as error:
        reader.fail("os.getcwd()", error)
    try:
        out["sys.path"] = reader.entry("sys-path", "sys.path", sys.path)
    except Exception as error:
        reader.fail("sys.path", error)
    out["sys.modules"] = (
        "sys-modules",
        out.included,
        "%s (%s)" % ("dict", _plural(len(out.modules), "key")),
        None,
    )
    try:
        _logging_state(reader, out)
    except Exception as error:
        reader.fail("logging", error)
    try:
        _signal_state(reader, out)
    except Exception as error:
        reader.fail("signal", error)


# A logger's values that are left out of a snapshot when they are the default, so that a logger
# created by a test (getLogger at first use) is no change.
# (logging.disable too: NOTSET unless set.)
_LOGGER_DEFAULTS = {
    "level": "NOTSET",
    "handlers": "list (0 items)",
    "disabled": "False",
    "propagate": "True",
    "disable": "NOTSET",
}


def _logging_state(reader, out):
    logging = sys.modules.get("logging")
    if logging is None:
        return
    space = _module_dict(logging)
    names = space.get("_levelToName") or {}
    root = space.get("root")
    logger_type = space.get("Logger")
    manager = _class_dict(logger_type).get("manager") if logger_type is not None else None

    def level(n):
        return names.get(n, str(n)) if type(n) is int else reader.text(n)

    def logger(prefix, lg, is_root):
        own = reader.instance_dict(lg)
        if own is None:
            return
        values = {
            "level": level(own.get("level")),
            "disabled": reader.text(own.get("disabled", False)),
            "propagate": reader.text(own.get("propagate", True)),
        }
        handlers = own.get("handlers")
        if type(handlers) is list:
            tokens = tuple((id(h), _class_qualname(type(h))) for h in list(_list_iter(handlers)))
            values["handlers"] = (tokens, "list (%s)" % _plural(len(tokens), "item"))
        for field, value in values.items():
            if field == "handlers":
                tokens, display = value
                if tokens or is_root:
                    out[prefix + ".handlers"] = ("logging", tokens, display, ("items", tokens))
            elif is_root or value != _LOGGER_DEFAULTS[field]:
                out[prefix + "." + field] = ("logging", value, value, None)

    if root is not None:
        logger("logging.root", root, True)
    if manager is not None:
        own = reader.instance_dict(manager) or {}
        # Manager.disable is a property over _disable since Python 3.7.
        disabled = own.get("_disable", own.get("disable", 0))
        if disabled:
            out["logging.disable"] = ("logging", disabled, level(disabled), None)
        loggers = own.get("loggerDict")
        if type(loggers) is dict and logger_type is not None:
            for name, lg in sorted(list(_dict_items(loggers)), key=lambda p: str(p[0])):
                if isinstance(type(lg), type) and issubclass(type(lg), logger_type):
                    logger("logging.getLogger(%r)" % (name,), lg, False)


def _signal_state(reader, out):
    signal = sys.modules.get("signal")
    if signal is None:
        return
    space = _module_dict(signal)
    getsignal = space["getsignal"]
    special = {}
    for name in ("SIG_DFL", "SIG_IGN"):
        if name in space:
            special[id(space[name])] = name
    default = space.get("default_int_handler")
    if default is not None:
        special[id(default)] = "default_int_handler"
    uncatchable = {space.get("SIGKILL"), space.get("SIGSTOP")}
    for number in sorted(int(s) for s in space["valid_signals"]()):
        if number in uncatchable:
            continue
        try:
            handler = getsignal(number)
        except Exception:
            continue
        name = _SIGNAL_NAMES.get(number)
        if name is None:
            name = _SIGNAL_NAMES[number] = _signal_name(space, number)
        if id(handler) in special:
            shown = special[id(handler)]
            token = shown
        else:
            shown = reader.text(handler)
            token = (id(handler), shown)
        out[name] = ("signal", token, shown, None)


# `signal.SIGTERM` by number (`signal.SIGRTMIN+1` for the real-time ones the enum lacks).
_SIGNAL_NAMES = {}


def _signal_name(space, number):
    kinds = space.get("Signals")
    try:
        return "signal." + kinds(number).name
    except Exception:
        pass
    first = space.get("SIGRTMIN")
    if first is not None and number > first:
        return "signal.SIGRTMIN+%d" % (number - first)
    return "signal.%d" % number


# The diff.


def _render(token):
    """A token's text (see _Reader.token)."""
    t = type(token)
    if t is str:
        return _cut(repr(token))
    if t is tuple and token:
        first = token[0]
        if first is tuple and type(token[1]) is tuple:
            return _cut(repr(token[1]))
        if first is float or first is tuple or type(first) is int or len(token) == 3:
            return token[1]
        return _cut(repr(token[1]))
    return _cut(str(token))


def _display(entry):
    """An entry's display (a scalar's is its fingerprint's text)."""
    if entry is None:
        return None
    return entry[2] if entry[2] is not None else _render(entry[1])


def _listed(tokens):
    return sorted(_render(t) for t in tokens)[:MAX_LISTED]


def _change(kind, name, before, after, added=(), removed=()):
    return {
        "kind": kind,
        "name": name,
        "before": before,
        "after": after,
        "added": list(added),
        "removed": list(removed),
    }


def _counts(items):
    counts = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def _member_changes(name, ea, eb):
    """The changes between two entries of one name that both exist."""
    kind, fa, _, ma = ea
    _, fb, _, mb = eb
    da, db = _display(ea), _display(eb)
    sub = []
    added = removed = ()
    same_object = type(fa) is type(fb) and (
        fa[0] == fb[0] if type(fa) is tuple and type(fb) is tuple else fa == fb
    )
    if ma is not None and mb is not None and ma[0] == mb[0]:
        if ma[0] == "keys":
            added = _listed(mb[1] - ma[1])
            removed = _listed(ma[1] - mb[1])
            va, vb = ma[2], mb[2]
            if va is not None and vb is not None:
                for key in sorted(va.keys() & vb.keys(), key=_render):
                    if va[key] != vb[key]:
                        sub.append(
                            _change(
                                kind,
                                "%s[%s]" % (name, _render(key)),
                                _render(va[key]),
                                _render(vb[key]),
                            )
                        )
        elif ma[0] == "items":
            ca, cb = _counts(ma[1]), _counts(mb[1])
            added = _listed(k for k, n in cb.items() if n > ca.get(k, 0))
            removed = _listed(k for k, n in ca.items() if n > cb.get(k, 0))
        elif ma[0] == "attrs":
            va, vb = ma[1], mb[1]
            for key in sorted(va.keys() | vb.keys()):
                if va.get(key, sub) != vb.get(key, sub):
                    sub.append(
                        _change(
                            kind,
                            "%s.%s" % (name, key),
                            _render(va[key]) if key in va else None,
                            _render(vb[key]) if key in vb else None,
                        )
                    )
            if same_object and sub:
                return sub
    if added or removed or not sub or not same_object or da != db:
        return [_change(kind, name, da, db, added, removed)] + sub
    return sub


def _owner_gone(name, modules):
    """Whether a global or class attribute's name belongs to one of `modules`."""
    while name:
        if name in modules:
            return True
        name = name.rpartition(".")[0]
    return False


def _same_object(ea, eb):
    """The id of the container or object both entries are (changed in place), else None."""
    fa, fb = ea[1], eb[1]
    if type(fa) is int and fa == fb and ea[3] is not None:
        return fa
    if (
        type(fa) is tuple
        and type(fb) is tuple
        and len(fa) == 2
        and len(fb) == 2
        and type(fa[0]) is int
        and type(fa[1]) is int
        and fa[0] == fb[0]
    ):
        return fa[0]
    return None


def _alias_rank(name):
    """Which of the names of one object to show: not a test module's, then the shortest, then
    the first in order."""
    parts = name.split(".")
    tests = any(
        p.startswith("test_") or p.endswith("_test") or p in ("conftest", "tests", "test")
        for p in parts[:-1]
    )
    return (tests, len(parts), name)


def diff(a, b, noise=()):
    """The changes from snapshot `a` to snapshot `b` (a list of the protocol's CHANGE dicts,
    sorted by kind then name), leaving out the names in `noise`."""
    changes = []
    moved = set()
    if a.modules is not None and b.modules is not None:
        old, new = a.modules, b.modules
        moved = {n for n in old.keys() | new.keys() if old.get(n) != new.get(n)}
    if a.cut or b.cut:
        # A snapshot cut short misses names that are there: compare the names both have.
        names = a.keys() & b.keys()
    elif b.based_on is not None and b.based_on == a.serial and b.copied:
        # What `b` took from `a` unchanged needs no comparing.
        copied = set().union(*b.copied)
        names = (b.keys() - copied) | (a.keys() - b.keys())
    else:
        names = a.keys() | b.keys()
    ea, eb = a.get("sys.modules"), b.get("sys.modules")
    if ea is not None and eb is not None and "sys.modules" not in noise:
        # A module imported again (a new module object under its name) is in both lists.
        again = {n for n in moved if n in a.modules and n in b.modules}
        added = (eb[1] - ea[1]) | (again & eb[1])
        removed = (ea[1] - eb[1]) | (again & ea[1])
        if added or removed:
            changes.append(
                _change(ea[0], "sys.modules", ea[2], eb[2], _listed(added), _listed(removed))
            )
    # An object changed in place that several modules hold (`from app.registry import PLUGINS`
    # in a test module) is listed once, under the name _alias_rank prefers.
    shared = {}
    for name in names:
        if name in noise or name == "sys.modules":
            continue
        ea, eb = a.get(name), b.get(name)
        if ea is eb or ea == eb:
            continue
        kind = (ea or eb)[0]
        if kind in ("module-global", "class-attribute") and moved and _owner_gone(name, moved):
            continue
        if ea is None or eb is None:
            field = name.rpartition(".")[2]
            if kind == "logging" and field in _LOGGER_DEFAULTS:
                # A logger's value that is the default is not in a snapshot.
                default = _LOGGER_DEFAULTS[field]
                members = (eb or ea)[3]
                listed = _listed(members[1]) if members else []
                changes.append(
                    _change(
                        kind,
                        name,
                        ea[2] if ea else default,
                        eb[2] if eb else default,
                        listed if eb else (),
                        listed if ea else (),
                    )
                )
            else:
                changes.append(_change(kind, name, _display(ea), _display(eb)))
            continue
        found = _member_changes(name, ea, eb)
        same = _same_object(ea, eb)
        if same is not None and kind in ("module-global", "class-attribute"):
            rank = _alias_rank(name)
            if same not in shared or rank < shared[same][0]:
                shared[same] = (rank, found)
            continue
        changes.extend(found)
    for _, found in shared.values():
        changes.extend(found)
    changes.sort(key=lambda c: (_KIND_ORDER.get(c["kind"], 99), c["name"]))
    return changes


class Tracker:
    """Writes the state lines of one pytest run to `path`: `begin()` just before the first test,
    `after(name)` after each test's teardown. Never raises: what goes wrong becomes a note."""

    def __init__(self, path, root=None):
        self.path = path
        self.root = root if root is not None else os.getcwd()
        self.out = None
        self.last = None
        self.noise = frozenset()
        self.said = set()
        # Notes wait for the begin line (and then for the test line they came with).
        self.pending = []

    def write(self, message):
        if self.out is None:
            return
        try:
            self.out.write(json.dumps(message, ensure_ascii=False) + "\n")
            self.out.flush()
        except Exception:
            pass

    def note(self, text):
        if text not in self.said:
            self.said.add(text)
            self.write({"note": text})

    def take(self, previous=None):
        try:
            shot = snapshot(self.root, previous)
        except Exception as error:
            self.pending.append("a state snapshot failed: %s: %s" % (type(error).__name__, error))
            return None
        self.pending.extend(shot.notes)
        return shot

    def flush_notes(self):
        for text in self.pending:
            self.note(text)
        self.pending = []

    def begin(self):
        try:
            self.out = open(self.path, "w", encoding="utf-8")
        except OSError:
            return
        first = self.take()
        second = self.take(first)
        if first is None or second is None:
            self.flush_notes()
            return
        noise = set()
        for name in first.keys() | second.keys():
            if first.get(name) is not second.get(name) and first.get(name) != second.get(name):
                noise.add(name)
        self.noise = frozenset(noise)
        self.last = second
        self.write(
            {
                "begin": {
                    "runner": "pytest",
                    "names": len(second),
                    "noise": sorted(noise),
                    "seconds": round(second.seconds, 6),
                }
            }
        )
        self.flush_notes()

    def after(self, name):
        if self.last is None:
            return
        shot = self.take(self.last)
        changes = []
        if shot is not None:
            try:
                changes = diff(self.last, shot, self.noise)
            except Exception as error:
                self.pending.append("a state diff failed: %s: %s" % (type(error).__name__, error))
            self.last = shot
        self.write({"test": name, "changes": changes})
        self.flush_notes()
