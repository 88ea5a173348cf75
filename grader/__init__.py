"""dlgrade: the grading engine of the course «深度学习入门».

Importing this package is cheap and safe inside the sandbox (no torch, no pytest): students
may use the public helpers ``grader.data`` and ``grader.gradcheck``.
"""
from grader.errors import (  # noqa: F401
    ProtocolError,
    SandboxCrash,
    SandboxError,
    SandboxTimeout,
    StudentError,
)

__version__ = "0.1.0"


def __getattr__(name):
    # Handle lives in grader.sandbox.proxy, which the sandbox child never needs; import it lazily.
    if name == "Handle":
        from grader.sandbox.proxy import Handle

        return Handle
    raise AttributeError(name)
