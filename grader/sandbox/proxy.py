"""Grading-process side of the sandbox: the ``student`` fixture and the handles it returns.

``student.fn(*args)`` sends a copy of the arguments to the child, calls the student's
function there and returns a decoded copy of the result. Values that cannot cross come
back as :class:`Handle` objects; calling methods on a handle runs them in the child.
"""
from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import weakref

from grader.errors import ProtocolError, SandboxCrash, SandboxError, SandboxTimeout, StudentError
from grader.sandbox.protocol import Decoder, Encoder, ref
from grader.sandbox.launcher import Sandbox, error_from_reply

DEFAULT_CALL_TIMEOUT_S = 10.0


class Session:
    """Owns the sandbox of one submission: lazy start, restart after a failure, call log."""

    def __init__(self, sandbox: Sandbox, default_module: str, call_timeout_s: float = DEFAULT_CALL_TIMEOUT_S,
                 import_timeout_s: float = 60.0):
        self.sandbox = sandbox
        self.default_module = default_module
        self.default_timeout = call_timeout_s
        self.timeout = call_timeout_s
        self.import_timeout = import_timeout_s
        self.calls: list[str] = []  # names of the student functions exercised (per test)
        self.findings: list[str] = []  # what the child's run-time guard refused (per test)
        # A function that ran past its deadline once is not called again in this submission:
        # later tests fail at once instead of each waiting out the deadline.
        self.hung: dict[str, str] = {}
        self._pending_release: list[int] = []
        self._imported: set[str] = set()
        # An import that failed once (syntax error, exception, endless loop at import time) is
        # not retried for every test: the same failure is reported again at once.
        self._import_failures: dict[str, Exception] = {}
        # Results of costly student runs that several tests judge (see the plugin's
        # ``submission_memo`` fixture); they live exactly as long as this submission's grading.
        self.memo: dict = SubmissionMemo(self)
        self.known_callables: dict[str, set] = {}  # module -> names found callable

    # -- lifecycle --------------------------------------------------------------------------
    def ensure_started(self) -> None:
        if not self.sandbox.alive:
            self._imported.clear()
            self._pending_release.clear()
            self.sandbox.start()

    def close(self) -> None:
        self.sandbox.stop()

    def import_module(self, name: str) -> None:
        if name in self._imported and self.sandbox.alive:
            return
        if name in self._import_failures:
            raise _copy_error(self._import_failures[name])
        self.ensure_started()
        try:
            reply, _ = self._send({"op": "import", "module": name}, [], self.import_timeout)
        except SandboxError as exc:
            self._import_failures[name] = type(exc)(f"importing {name}.py: {exc}")
            raise _copy_error(self._import_failures[name]) from None
        if not reply.get("ok"):
            failure = error_from_reply(reply, f"importing {name}.py")
            if isinstance(failure, SandboxCrash):
                self.sandbox.stop()
            self._import_failures[name] = failure
            raise _copy_error(failure)
        self._imported.add(name)

    # -- requests ---------------------------------------------------------------------------
    def _send(self, header, payloads, timeout):
        if self._pending_release:
            header = dict(header, release=self._pending_release[:])
            self._pending_release.clear()
        try:
            reply, reply_payloads = self.sandbox.request(header, payloads, timeout)
        except SandboxError:
            self.sandbox.stop()
            raise
        self._collect_findings(reply.get("findings"))
        return reply, reply_payloads

    def _collect_findings(self, found) -> None:
        # Untrusted text from the child: only short strings are kept, and only as messages. A
        # hostile child can hide a finding (the refusal itself still happened), never invent a point.
        if isinstance(found, list):
            self.findings += [str(f)[:300] for f in found[:50] if isinstance(f, str)]

    def request(self, header: dict, values: dict, where: str, timeout: float | None = None):
        """Encodes ``values`` into ``header``, sends, decodes the reply's value fields."""
        enc = Encoder()
        header = dict(header)
        for key, val in values.items():
            header[key] = enc.encode(val)
        reply, payloads = self._send(header, enc.payloads, timeout or self.timeout)
        if not reply.get("ok"):
            exc = error_from_reply(reply, where)
            if isinstance(exc, SandboxCrash):
                self.sandbox.stop()
            raise exc
        generation = self.sandbox.generation
        dec = Decoder(payloads, from_handle=lambda node: Handle(self, node, generation))
        try:
            out = {k: dec.decode(v) for k, v in reply.items() if k in ("value", "args", "kwargs")}
        except ProtocolError as exc:  # the decoder is the trust boundary: a bad value ends the child
            self.sandbox.stop()
            raise SandboxCrash(f"{where}: the submission's process sent a malformed value: {exc}") from None
        out["callable"] = reply.get("callable") is True
        return out

    def stats(self) -> dict:
        """The child's own counts (live handles, imported modules); for the engine's tests."""
        self.ensure_started()
        return self.request({"op": "stats"}, {}, "stats")["value"]

    def release(self, hid: int, generation: int) -> None:
        if generation == self.sandbox.generation:
            self._pending_release.append(hid)

    def target_for(self, module: str) -> dict:
        self.import_module(module)
        return {"kind": "module", "name": module}


def _copy_error(exc: Exception) -> Exception:
    if isinstance(exc, StudentError):
        return StudentError(exc.exc_type, exc.message, exc.traceback, mro=exc.mro, where=exc.where)
    return type(exc)(str(exc))


def _to_wire(value):
    """Replaces Handles (at any depth) by refs so they can be sent back to the child."""
    if isinstance(value, Handle):
        return value._ref()
    if type(value) is list:
        return [_to_wire(v) for v in value]
    if type(value) is tuple:
        return tuple(_to_wire(v) for v in value)
    if type(value) is dict:
        return {k: _to_wire(v) for k, v in value.items()}
    return value


class _Remote:
    """Shared calling logic of module proxies and handles."""

    _session: Session

    def _target(self) -> dict:
        raise NotImplementedError

    def _label(self, attr) -> str:
        raise NotImplementedError

    def _call(self, attr, args, kwargs, return_args=False):
        where = self._label(attr)
        self._session.calls.append(where)
        if where in self._session.hung:
            raise SandboxTimeout(f"{where} was not called again: {self._session.hung[where]}")
        target = self._target()
        try:
            out = self._session.request(
                {"op": "call", "target": target, "attr": attr, "return_args": return_args},
                {"args": _to_wire(list(args)), "kwargs": _to_wire(dict(kwargs))}, where)
        except SandboxTimeout as exc:
            self._session.hung[where] = f"an earlier call of it {exc}"
            raise SandboxTimeout(f"{where} {exc}") from None
        if return_args:
            return out["value"], out["args"], out["kwargs"]
        return out["value"]

    def __getattr__(self, attr):
        # Names known to be callable are called in one round trip; others are looked up.
        if attr.startswith("__"):
            raise AttributeError(attr)
        if attr in self._methods:
            return _Method(self, attr)
        value = self._getattr(attr)
        if isinstance(value, _Method):
            self._methods.add(attr)
        return value

    def _getattr(self, attr):
        out = self._session.request({"op": "getattr", "target": self._target(), "attr": attr}, {},
                                    self._label(attr))
        if out["callable"]:
            return _Method(self, attr)
        return out["value"]

    def call_with_args(self, attr, *args, **kwargs):
        """Calls ``attr`` and also returns the arguments as the child holds them afterwards.

        Returns ``(value, args_after, kwargs_after)``; tests compare ``args_after`` with what
        they sent to prove that the student did not modify an input in place.
        """
        return self._call(attr, args, kwargs, return_args=True)

    def call_method(self, attr, *args, **kwargs):
        return self._call(attr, args, kwargs)

    def get(self, attr):
        """Reads an attribute; a value when it can cross, else a Handle."""
        return self._getattr(attr)

    def set(self, attr, value) -> None:
        self._session.request({"op": "setattr", "target": self._target(), "attr": attr},
                              {"value": _to_wire(value)}, self._label(attr))


class SubmissionMemo(dict):
    """The ``submission_memo`` dict. It also remembers the student functions recorded in the test
    that stored each key, and records them again in every test that reads the key: a test that
    judges a memoised run exercises what the run exercised (a banned shortcut costs it too)."""

    def __init__(self, session: Session):
        super().__init__()
        self._session = session
        self._calls: dict = {}

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self._calls[key] = list(self._session.calls)

    def __getitem__(self, key):
        value = super().__getitem__(key)
        self._session.calls.extend(self._calls.get(key, ()))
        return value

    def get(self, key, default=None):
        return self[key] if key in self else default

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]


@functools.lru_cache(maxsize=512)
def _probe_uses(source: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """What a probe's source reaches through its ``module`` parameter: attribute names
    (``module.sigmoid``, ``getattr(module, "sigmoid")``) and the positions of the probe's own
    arguments used as names (``getattr(module, name)``, position 0 = the first argument after
    ``module``)."""
    tree = ast.parse(source)
    fn = next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    if fn is None or not fn.args.args:
        return (), ()
    params = [a.arg for a in fn.args.args]
    mods = {params[0]}                    # the module parameter and its aliases (tf = module)
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in mods:
            mods.update(t.id for t in node.targets if isinstance(t, ast.Name))
    names, positions = [], []
    for node in ast.walk(fn):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in mods \
                and not node.attr.startswith("__"):
            names.append(node.attr)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr") \
                and len(node.args) >= 2 and isinstance(node.args[0], ast.Name) and node.args[0].id in mods:
            key = node.args[1]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.append(key.value)
            elif isinstance(key, ast.Name) and key.id in params[1:]:
                positions.append(params.index(key.id) - 1)
    return tuple(dict.fromkeys(names)), tuple(dict.fromkeys(positions))


def probe_calls(source: str, module: str, args) -> list[str]:
    """The student functions a probe exercises, as the test's ``functions`` record them: the
    module's attributes its source names, those named by string arguments it looks up, and the
    classes of the handles it is given (a banned shortcut in any of them costs the test)."""
    names, positions = _probe_uses(source)
    out = [f"{module}.{n}" for n in names]
    out += [f"{module}.{args[i]}" for i in positions if i < len(args) and isinstance(args[i], str)]
    # Handles of the student's own classes (not a numpy Generator or a torch optimizer).
    out += [a._label(None) for a in args
            if isinstance(a, Handle) and a.type_name.split(".", 1)[0] not in _LIBRARY_ROOTS]
    return out


_LIBRARY_ROOTS = frozenset({"numpy", "torch", "builtins", "random", "collections", "functools"})


def _make_rng(module, seed):
    import numpy as np

    return np.random.default_rng(seed)


class _Method:
    def __init__(self, owner: _Remote, attr: str):
        self._owner, self._attr = owner, attr

    def __call__(self, *args, **kwargs):
        return self._owner._call(self._attr, args, kwargs)

    def __repr__(self):
        return f"<remote {self._owner._label(self._attr)}>"


class StudentModule(_Remote):
    """The ``student`` fixture: ``student.fn(...)`` calls the submitted module's ``fn``."""

    def __init__(self, session: Session, module: str):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_module", module)
        # Shared by every test of the submission (the fixture makes a new proxy per test), so a
        # function is looked up once per submission, then called in one round trip.
        object.__setattr__(self, "_methods", session.known_callables.setdefault(module, set()))

    def _target(self):
        return self._session.target_for(self._module)

    def _label(self, attr):
        return f"{self._module}.{attr}"

    def module(self, name: str) -> StudentModule:
        """A proxy to another submitted module (e.g. ``student.module("torch_adam")``)."""
        return StudentModule(self._session, name)

    def probe(self, fn, *args):
        """Runs ``fn(module, *args)`` inside the child; only ``fn``'s source crosses.

        ``fn`` must be a module-level function that imports what it needs in its body. A probe
        exercises student code (builds an object, counts parameters); it never judges.
        """
        source = textwrap.dedent(inspect.getsource(fn))
        where = f"probe {fn.__name__}"
        self._session.calls.extend(probe_calls(source, self._module, args))
        out = self._session.request(
            {"op": "probe", "source": source, "name": fn.__name__, "module": self._target()["name"]},
            {"args": _to_wire(list(args))}, where)
        return out["value"]

    def rng(self, seed: int) -> Handle:
        """A ``numpy.random.Generator`` seeded with ``seed``, living in the child (a Handle to pass
        to student functions that take ``rng``); seed the reference's generator with the same."""
        return self.probe(_make_rng, int(seed))

    def imports(self) -> None:
        """Imports the module now (raises StudentError if the import fails)."""
        self._session.import_module(self._module)

    @property
    def isolation(self) -> str:
        return self._session.sandbox.isolation


class Handle(_Remote):
    """An object that lives in the sandbox child (an nn.Module, an optimizer, a Session ...)."""

    def __init__(self, session: Session, node: dict, generation: int):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_id", node["id"])
        object.__setattr__(self, "_type", str(node.get("type", "?"))[:200])
        object.__setattr__(self, "_repr", str(node.get("repr", ""))[:200])
        object.__setattr__(self, "_generation", generation)
        object.__setattr__(self, "_methods", set())
        weakref.finalize(self, session.release, node["id"], generation)

    @property
    def type_name(self) -> str:
        """The qualified class name the child reported (e.g. "shallow_nn.Model")."""
        return self._type

    def _check_alive(self):
        if self._generation != self._session.sandbox.generation or not self._session.sandbox.alive:
            raise SandboxError("this object lived in a process of the submission that has since been restarted")

    def _ref(self):
        self._check_alive()
        return ref(self._id)

    def _target(self):
        self._check_alive()
        return {"kind": "handle", "id": self._id}

    def _label(self, attr):
        short = self._type.rsplit(".", 1)[-1]
        return f"{short}.{attr}" if attr else f"{short}(...)"

    def __setattr__(self, attr, value):
        self.set(attr, value)

    def __call__(self, *args, **kwargs):
        return self._call(None, args, kwargs)

    def __repr__(self):
        return f"<Handle {self._type} {self._repr}>"

    # A handle is never equal to an expected value, whatever the child's object claims.
    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__

    def __bool__(self):
        return True
