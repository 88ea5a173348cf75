"""The sandbox child: imports the student's modules and serves calls over the protocol pipe.

Everything in this process is untrusted once student code has been imported. It holds no
expected value and judges nothing; it only runs what the grading process asks for and sends
back what came out. Objects that cannot cross the boundary stay here in a handle table.

Run as ``python -I -m grader.sandbox.child --in FD --out FD --workdir DIR [--block m1,m2]``.
"""
from __future__ import annotations

import argparse
import faulthandler
import importlib
import os
import sys
import traceback
from typing import Any

from grader.sandbox.protocol import Decoder, Encoder, Reader, write_message

MAX_MESSAGE_CHARS = 2000
MAX_TRACEBACK_CHARS = 6000


class ChildServer:
    """Dispatches one request at a time; shared by the real child and the in-process mode."""

    def __init__(self, workdir: str):
        self.workdir = os.path.realpath(workdir)
        self.handles: dict[int, object] = {}
        self.next_id = 1
        self.modules: dict[str, object] = {}

    # -- handle table ---------------------------------------------------------------------
    def _store(self, obj) -> dict:
        hid = self.next_id
        self.next_id += 1
        self.handles[hid] = obj
        try:
            text = repr(obj)
        except Exception:  # noqa: BLE001 - a student's __repr__ may raise
            text = f"<{type(obj).__name__}>"
        tname = f"{type(obj).__module__}.{type(obj).__qualname__}"
        return {"$": "handle", "id": hid, "type": tname, "repr": text[:200], "callable": callable(obj)}

    def _resolve_ref(self, hid):
        if type(hid) is not int or hid not in self.handles:
            raise LookupError(f"unknown handle {hid!r} (released, or from an earlier process)")
        return self.handles[hid]

    # -- dispatch -------------------------------------------------------------------------
    def handle(self, header: dict, payloads: list) -> tuple[dict, list]:
        seq = header.get("seq")
        for hid in header.get("release", []) or []:
            self.handles.pop(hid, None)
        enc = Encoder(to_handle=self._store)
        try:
            dec = Decoder(payloads, from_ref=self._resolve_ref)
            op = header.get("op")
            method = getattr(self, f"op_{op}", None)
            if method is None:
                raise ValueError(f"unknown op {op!r}")
            result = method(header, dec, enc)
        except BaseException as exc:  # noqa: BLE001 - everything the student raises is reported
            if isinstance(exc, KeyboardInterrupt):
                raise
            return {"seq": seq, "ok": False, "error": self._describe(exc)}, []
        reply = {"seq": seq, "ok": True}
        reply.update(result)
        return reply, enc.payloads

    @staticmethod
    def with_findings(reply: dict) -> dict:
        """Adds what the run-time guard refused since the last reply (then forgets it)."""
        if FINDINGS:
            reply = dict(reply, findings=FINDINGS[:])
            FINDINGS.clear()
        return reply

    def _describe(self, exc: BaseException) -> dict:
        frames = [
            f for f in traceback.extract_tb(exc.__traceback__)
            if os.path.realpath(f.filename).startswith(self.workdir + os.sep)
        ]
        for f in frames:
            f.filename = os.path.relpath(os.path.realpath(f.filename), self.workdir)
        text = "".join(traceback.format_list(frames))
        try:
            message = str(exc)
        except Exception:  # noqa: BLE001 - a student's exception whose __str__ raises
            message = "<unprintable exception>"
        return {
            "type": type(exc).__name__,
            "mro": [c.__name__ for c in type(exc).__mro__][:20],
            "message": message[:MAX_MESSAGE_CHARS],
            "traceback": text[-MAX_TRACEBACK_CHARS:],
        }

    def _target(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("malformed target")
        if spec.get("kind") == "module":
            return self._module(spec.get("name"))
        if spec.get("kind") == "handle":
            return self._resolve_ref(spec.get("id"))
        raise ValueError("malformed target")

    def _module(self, name):
        if not isinstance(name, str):
            raise ValueError("malformed module name")
        if name not in self.modules:
            self.modules[name] = importlib.import_module(name)
        return self.modules[name]

    def op_hello(self, header, dec, enc):
        return {"value": {"pid": os.getpid(), "python": sys.version.split()[0]}}

    def op_import(self, header, dec, enc):
        self._module(header.get("module"))
        return {"value": None}

    def op_call(self, header, dec, enc):
        obj = self._target(header.get("target"))
        attr = header.get("attr")
        fn = getattr(obj, attr) if attr is not None else obj
        args = dec.decode(header.get("args", {"$": "list", "v": []}))
        kwargs = dec.decode(header.get("kwargs", {"$": "dict", "items": []}))
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise ValueError("malformed call arguments")
        value = fn(*args, **kwargs)
        out = {"value": enc.encode(value)}
        if header.get("return_args"):
            out["args"] = enc.encode(args)
            out["kwargs"] = enc.encode(kwargs)
        return out

    def op_getattr(self, header, dec, enc):
        obj = self._target(header.get("target"))
        value = getattr(obj, header.get("attr"))
        if callable(value) and not isinstance(value, type):
            return {"callable": True}
        return {"callable": False, "value": enc.encode(value)}

    def op_setattr(self, header, dec, enc):
        obj = self._target(header.get("target"))
        setattr(obj, header.get("attr"), dec.decode(header.get("value")))
        return {"value": None}

    def op_probe(self, header, dec, enc):
        source, name = header.get("source"), header.get("name")
        if not isinstance(source, str) or not isinstance(name, str):
            raise ValueError("malformed probe")
        namespace: dict[str, Any] = {"__name__": "dlgrade_probe"}
        exec(compile(source, f"<probe {name}>", "exec"), namespace)  # noqa: S102 - grader-authored code
        module = self._module(header["module"]) if header.get("module") else None
        args = dec.decode(header.get("args", {"$": "list", "v": []}))
        return {"value": enc.encode(namespace[name](module, *args))}

    def op_stats(self, header, dec, enc):
        return {"value": enc.encode({"handles": len(self.handles), "modules": sorted(self.modules)})}

    def op_release(self, header, dec, enc):
        return {"value": None}


def block_modules(names) -> None:
    """Makes ``import name`` raise ImportError (CURRICULUM §1.4: numpy-only assignments), and
    installs the run-time guard that a student cannot undo (see :func:`install_guard`)."""
    names = [n for n in names if n]
    for name in names:
        sys.modules[name] = None  # type: ignore[assignment]  # None in sys.modules makes `import name` fail
    if names:
        install_guard(names)


#: What the run-time guard refused, in order; sent to the grading process with the next reply.
FINDINGS: list[str] = []
MAX_FINDINGS = 50
# Audit events (PEP 578) that start another program or load native code: in a numpy-only
# assignment each is a way around the import block (a subprocess running torch, ctypes).
_REFUSED_EVENTS = {
    "subprocess.Popen": "starting a program (subprocess)",
    "os.system": "starting a program (os.system)",
    "os.exec": "starting a program (os.exec*)",
    "os.posix_spawn": "starting a program (os.posix_spawn)",
    "os.spawn": "starting a program (os.spawn*)",
    "os.fork": "forking the process (os.fork, pty)",
    "os.forkpty": "forking the process (os.forkpty, pty)",
    "ctypes.dlopen": "loading native code (ctypes)",
    "ctypes.dlsym": "loading native code (ctypes)",
}


def install_guard(blocked) -> None:
    """Refuses, from now on in this process, imports of the ``blocked`` frameworks (even after
    ``sys.modules`` is cleaned or through ``exec`` of an encoded string), starting programs and
    loading native code. An audit hook cannot be removed once added (PEP 578), so student code
    loaded later cannot switch it off. Each refusal raises in the student's call (ImportError for
    an import, PermissionError otherwise: the test that triggered it fails) and is recorded in :data:`FINDINGS` for the grading process, whose
    policy (CONVENTIONS §4) withholds the points of the functions involved."""
    blocked = frozenset(blocked)
    refused = _REFUSED_EVENTS

    def refuse(rule: str, error: type[Exception]) -> None:
        message = f"refused by the sandbox: {rule} is not allowed in a numpy-only assignment (CONVENTIONS §4)"
        if len(FINDINGS) < MAX_FINDINGS:
            FINDINGS.append(message)
        raise error(message)

    def hook(event: str, args: tuple) -> None:
        if event == "import":
            top = str(args[0]).partition(".")[0]
            if top in blocked:
                refuse(f"importing {top}", ImportError)
        elif event in refused:
            refuse(refused[event], PermissionError)

    sys.addaudithook(hook)


def pin_threads() -> None:
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
        # float32 on CUDA must be IEEE, not TF32 (CURRICULUM §2.5); only the new API is used,
        # since touching the legacy allow_tf32 flags afterwards raises.
        if getattr(torch.backends, "fp32_precision", "ieee") != "ieee":
            torch.backends.fp32_precision = "ieee"
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # already set, or parallel work has started
            pass


def warm_numpy() -> None:
    """Imports the numpy submodules that numpy itself loads lazily (``np.random`` costs
    10 ms on first use): once in the zygote, not once per submission."""
    if "numpy" in sys.modules:
        import numpy.random  # noqa: F401


def warm_torch() -> None:
    """Builds and steps one throw-away optimizer: the first torch.optim optimizer of a process
    imports torch._dynamo (seconds), which would otherwise count against a student's call."""
    torch = sys.modules.get("torch")
    if torch is None:
        return
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    p.sum().backward()
    opt.step()


def serve(fd_in: int, fd_out: int, server: ChildServer) -> None:
    reader = Reader(fd_in)
    while True:
        try:
            header, payloads = reader.read()
        except Exception:  # noqa: BLE001 - the grading process closed the pipe or sent garbage: nothing to do
            return
        if header.get("op") == "shutdown":
            return
        reply, reply_payloads = server.handle(header, payloads)
        reply = server.with_findings(reply)
        try:
            write_message(fd_out, reply, reply_payloads)
        except Exception as exc:  # noqa: BLE001 - e.g. an unencodable reply; report it instead of dying
            write_message(fd_out, {"seq": header.get("seq"), "ok": False, "error": {
                "type": "ProtocolError", "mro": ["ProtocolError"], "message": f"could not send the result: {exc}",
                "traceback": ""}}, [])
        pin_threads()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--in", dest="fd_in", type=int, required=True)
    parser.add_argument("--out", dest="fd_out", type=int, required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--block", default="")
    parser.add_argument("--preload", default="")
    opts = parser.parse_args(argv)
    faulthandler.enable()  # a segfault prints the student's frame to stderr, which the grader reads
    for name in filter(None, opts.preload.split(",")):
        importlib.import_module(name)
    pin_threads()
    warm_numpy()
    warm_torch()
    block_modules(filter(None, opts.block.split(",")))
    os.chdir(opts.workdir)
    sys.path.insert(0, opts.workdir)
    sys.dont_write_bytecode = True
    serve(opts.fd_in, opts.fd_out, ChildServer(opts.workdir))


if __name__ == "__main__":
    main()
