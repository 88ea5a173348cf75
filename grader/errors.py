"""Exceptions shared by the grading process and the engine's tests."""


class ProtocolError(Exception):
    """A message on the sandbox pipe broke the protocol (size, encoding, order, dtype...)."""


class SandboxError(Exception):
    """The student's process failed as a whole; the test fails and the child is restarted."""

    status = "crash"


class SandboxTimeout(SandboxError):
    status = "timeout"


class SandboxCrash(SandboxError):
    status = "crash"


class StudentError(Exception):
    """Student code raised an exception inside the sandbox child.

    Attributes:
        exc_type: the exception class name as the child reported it (e.g. "ValueError").
        mro: the class names of the exception's MRO, most specific first.
        message: ``str(exc)`` (capped).
        traceback: formatted traceback of the student's own frames only.
    """

    def __init__(self, exc_type: str, message: str, traceback: str = "", mro=(), where: str = ""):
        self.exc_type = exc_type
        self.mro = tuple(mro) or (exc_type,)
        self.message = message
        self.traceback = traceback
        self.where = where
        super().__init__(self.describe())

    def is_a(self, exc_class) -> bool:
        name = exc_class if isinstance(exc_class, str) else exc_class.__name__
        return name in self.mro

    def describe(self) -> str:
        head = f"{self.where} raised {self.exc_type}: {self.message}" if self.where else f"{self.exc_type}: {self.message}"
        if self.traceback:
            return f"{head}\n{self.traceback.rstrip()}"
        return head
