"""Course datasets (``grader.data``), CURRICULUM §1.6.

Public helper module: students may import it, including from numpy-only assignments.

* Importing it imports only the standard library and numpy. ``torch`` is imported lazily,
  inside the torch-only helpers (``linear_data_torch``, ``digits_images_32``,
  ``adding_problem``).
* It never writes anything (no cache files; the student sandbox is a read-only view
  started with ``python -I``). Loaded files are cached in memory only, and every public
  function returns fresh arrays, so a caller that mutates a result cannot corrupt later calls.
* No network and no scikit-learn at run time: the two real datasets are compact files in
  ``datasets/`` (see ``datasets/PROVENANCE.md``), whose SHA-256 is checked against the
  digests pinned below before they are parsed.
* Layout (CURRICULUM §1.1): columns are examples. X is (n_x, m) float64, binary labels Y
  are (1, m) float64 in {0, 1}, multi-class labels are one-hot (C, m) float64 or integer
  (m,) int64. Images are NCHW (m, 1, H, W). Torch helpers use torch's rows-first layout.
* Everything is deterministic: generated datasets draw from
  ``np.random.default_rng(seed)`` in the documented order.

``datasets/`` is found, in this order: ``$DLGRADE_DATASETS`` (if set and non-empty);
``<repo>/datasets`` next to the ``grader`` package (a checkout or an editable install);
``grader/datasets`` (package data); ``<sys.prefix>/share/dlgrade/datasets`` (data files of
a regular install). See :func:`datasets_dir`.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import sys
import threading
from pathlib import Path

import numpy as np

__all__ = [
    "datasets_dir",
    "truth_table",
    "blobs",
    "breast_cancer",
    "digits",
    "digits_images",
    "digits_images_32",
    "linear_data",
    "linear_data_torch",
    "planar_flower",
    "noisy_xor",
    "spirals",
    "spirals_train_test",
    "step_edge_image",
    "adding_problem",
    "CORPUS",  # noqa: F822 (read lazily from datasets/corpus.txt by the module __getattr__)
    "char_vocab",
    "char_batches",
    "DatasetChecksumError",
]

ENV_VAR = "DLGRADE_DATASETS"

#: SHA-256 of every data file, pinned here (not read from the data folder, so that a
#: tampered folder cannot bring its own digests). ``datasets/checksums.sha256`` holds the
#: same values in ``sha256sum -c`` format; a framework test checks that they agree.
_SHA256 = {
    "breast_cancer.csv.gz": "7daebb259515376643ffa445d5ff59be93b09149250f09cbee9ec3d5dc520381",
    "corpus.txt": "6f458c6caed90edcac482800642feb24c450aa8852e793d1b853b57a260835bb",
    "digits.csv.gz": "73de224ddaed67a87bc26e12c6ee7b48925efc6cca5a56cffe5190e3de31b614",
}


class DatasetChecksumError(RuntimeError):
    """A data file's SHA-256 does not match the digest pinned in ``grader.data``."""


# ----------------------------------------------------------------------------- files


def _candidate_dirs() -> list[Path]:
    here = Path(__file__).resolve().parent
    return [
        here.parent / "datasets",
        here / "datasets",
        Path(sys.prefix) / "share" / "dlgrade" / "datasets",
    ]


def datasets_dir() -> Path:
    """Return the folder that holds the course's data files.

    Order: the environment variable ``DLGRADE_DATASETS`` (used as given, when set and
    non-empty); otherwise the first existing one of ``<repo>/datasets`` (``../datasets``
    relative to the ``grader`` package), ``grader/datasets`` and
    ``<sys.prefix>/share/dlgrade/datasets``. Raises ``FileNotFoundError`` naming every
    place it looked when none exists.
    """
    env = os.environ.get(ENV_VAR, "")
    if env:
        p = Path(env).expanduser()
        if not p.is_dir():
            raise FileNotFoundError(f"{ENV_VAR}={env!r} is not a directory")
        return p
    tried = _candidate_dirs()
    for p in tried:
        if p.is_dir() and (p / "corpus.txt").is_file():
            return p
    raise FileNotFoundError(
        "dlgrade datasets folder not found; looked in "
        + ", ".join(str(p) for p in tried)
        + f" (set {ENV_VAR} to the folder that holds digits.csv.gz)"
    )


_cache: dict[tuple[str, str], object] = {}
_lock = threading.Lock()


def _read_verified(name: str) -> tuple[Path, bytes]:
    path = datasets_dir() / name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileNotFoundError(f"dlgrade data file {name!r} could not be read at {path}: {exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != _SHA256[name]:
        raise DatasetChecksumError(
            f"dlgrade data file {name!r} at {path} is corrupted or was modified: "
            f"SHA-256 {digest} != expected {_SHA256[name]}. "
            "Restore it from the course repository (datasets/make_datasets.py regenerates it)."
        )
    return path, data


def _load(name: str, parse):
    """Verify + parse ``name`` once per resolved path; the parsed value is cached in memory."""
    key_dir = str(datasets_dir().resolve())
    key = (key_dir, name)
    with _lock:
        if key in _cache:
            return _cache[key]
    _, data = _read_verified(name)
    value = parse(data)
    with _lock:
        _cache[key] = value
    return value


def preload() -> None:
    """Verifies and parses the bundled files into the in-memory cache.

    The grader calls it once per process before forking grading workers, so that each
    submission does not parse the breast-cancer CSV again (5 ms). A missing or tampered
    file is left for the loader that needs it, which raises with the reason."""
    for loader in (_raw_digits, _raw_breast_cancer, _corpus):
        try:
            loader()
        except Exception:  # noqa: BLE001 - an unreadable file is reported as a checksum mismatch
            pass


def _parse_csv_gz(data: bytes, dtype) -> np.ndarray:
    text = gzip.decompress(data).decode("ascii")
    arr = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, dtype=dtype)
    arr.setflags(write=False)
    return arr


def _raw_digits() -> np.ndarray:
    """(1797, 65) int64 read-only: 64 pixels 0..16 then the label."""
    return _load("digits.csv.gz", lambda b: _parse_csv_gz(b, np.int64))


def _raw_breast_cancer() -> np.ndarray:
    """(569, 31) float64 read-only: 30 features then the target (0 malignant, 1 benign)."""
    return _load("breast_cancer.csv.gz", lambda b: _parse_csv_gz(b, np.float64))


# ----------------------------------------------------------------------------- literal


def truth_table() -> dict[str, np.ndarray]:
    """The four inputs of a two-input logic gate and the AND, OR, NAND and XOR labels.

    Recipe (literal): ``X = [[0,0,1,1],[0,1,0,1]]``.

    Returns a dict:
      * ``"X"``: (2, 4) float64, one column per input pair (x1, x2);
      * ``"AND"``: (1, 4) float64 ``[[0,0,0,1]]``;
      * ``"OR"``:  (1, 4) float64 ``[[0,1,1,1]]``;
      * ``"NAND"``: (1, 4) float64 ``[[1,1,1,0]]``;
      * ``"XOR"``: (1, 4) float64 ``[[0,1,1,0]]``.
    """
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=np.float64)
    a, b = X[0] > 0, X[1] > 0
    f = lambda v: v.astype(np.float64).reshape(1, 4)  # noqa: E731
    return {"X": X, "AND": f(a & b), "OR": f(a | b), "NAND": f(~(a & b)), "XOR": f(a ^ b)}


def step_edge_image() -> np.ndarray:
    """The classic vertical-edge image of «边缘检测», NCHW.

    Recipe (literal): a 6x6 image whose left 3 columns are 10 and right 3 columns are 0.

    Returns ``img`` of shape (1, 1, 6, 6) float64 (one example, one channel, NCHW as all
    course images); ``img[0, 0]`` is the 6x6 plane. The vertical-edge kernel
    ``[[1,0,-1]]*3`` (valid, stride 1) turns every output row into ``[0, 30, 30, 0]``.
    """
    img = np.zeros((1, 1, 6, 6), dtype=np.float64)
    img[..., :3] = 10.0
    return img


# ----------------------------------------------------------------------------- real data


def breast_cancer() -> dict[str, np.ndarray]:
    """Wisconsin diagnostic breast cancer (``sklearn.datasets.load_breast_cancer``), 569 x 30.

    Recipe: ``perm = np.random.default_rng(2).permutation(569)``; train = the examples
    ``perm[:400]``, test = ``perm[400:]`` (169); standardise every feature with the
    *training* mean and standard deviation (``np.mean``/``np.std`` over the 400 training
    examples, ddof=0): ``X = (X - mu) / sigma`` for both splits. Labels are scikit-learn's
    (0 = malignant, 1 = benign).

    Returns a dict:
      * ``"X_train"``: (30, 400) float64 (each row has mean 0 and std 1);
      * ``"Y_train"``: (1, 400) float64 in {0, 1};
      * ``"X_test"``: (30, 169) float64;
      * ``"Y_test"``: (1, 169) float64 in {0, 1}.
    """
    raw = _raw_breast_cancer()
    X = raw[:, :30].T  # (30, 569)
    Y = raw[:, 30].reshape(1, -1)
    perm = np.random.default_rng(2).permutation(569)
    tr, te = perm[:400], perm[400:]
    X_train, X_test = X[:, tr], X[:, te]
    mu = X_train.mean(axis=1, keepdims=True)
    sigma = X_train.std(axis=1, keepdims=True)
    return {
        "X_train": (X_train - mu) / sigma,
        "Y_train": Y[:, tr].astype(np.float64),
        "X_test": (X_test - mu) / sigma,
        "Y_test": Y[:, te].astype(np.float64),
    }


def _one_hot(y: np.ndarray, C: int) -> np.ndarray:
    Y = np.zeros((C, y.shape[0]), dtype=np.float64)
    Y[y, np.arange(y.shape[0])] = 1.0
    return Y


def digits() -> dict[str, np.ndarray]:
    """Handwritten digits (``sklearn.datasets.load_digits``), 1797 images of 8x8, 10 classes.

    Recipe: ``X = data.T / 16`` -> (64, 1797) float64 in [0, 1] (pixels 0..16, row-major
    8x8); ``perm = np.random.default_rng(1).permutation(1797)``; train = ``perm[:1400]``,
    test = ``perm[1400:]`` (397).

    Returns a dict:
      * ``"X_train"``: (64, 1400) float64 in [0, 1];
      * ``"y_train"``: (1400,) int64 in 0..9;
      * ``"Y_train"``: (10, 1400) float64 one-hot (column i is ``e_{y_train[i]}``);
      * ``"X_test"``: (64, 397) float64 in [0, 1];
      * ``"y_test"``: (397,) int64;
      * ``"Y_test"``: (10, 397) float64 one-hot.
    """
    raw = _raw_digits()
    X = raw[:, :64].T.astype(np.float64) / 16.0
    y = raw[:, 64].astype(np.int64)
    perm = np.random.default_rng(1).permutation(1797)
    tr, te = perm[:1400], perm[1400:]
    return {
        "X_train": X[:, tr],
        "y_train": y[tr],
        "Y_train": _one_hot(y[tr], 10),
        "X_test": X[:, te],
        "y_test": y[te],
        "Y_test": _one_hot(y[te], 10),
    }


def digits_images() -> tuple[np.ndarray, np.ndarray]:
    """All 1797 digits as NCHW images, in scikit-learn's original order.

    Recipe: ``images = data.reshape(1797, 1, 8, 8) / 16``; ``labels = target``.
    (``digits()``'s split is ``np.random.default_rng(1).permutation(1797)``, first 1400 train;
    index these arrays with it to get the same split.)

    Returns ``(images, labels)``: images (1797, 1, 8, 8) float64 in [0, 1]; labels (1797,) int64.
    """
    raw = _raw_digits()
    images = raw[:, :64].astype(np.float64).reshape(-1, 1, 8, 8) / 16.0
    return images, raw[:, 64].astype(np.int64)


def digits_images_32():
    """The 1797 digits resized to 32x32 for LeNet-5 (torch chapters only; imports torch).

    Recipe: ``F.interpolate(torch.from_numpy(images), size=32, mode="bilinear",
    align_corners=False)`` on ``digits_images()``'s (1797, 1, 8, 8) float64 images, on CPU.

    Returns ``(images, labels)`` as CPU torch tensors: images (1797, 1, 32, 32) float64 in
    [0, 1]; labels (1797,) int64, scikit-learn's order.
    """
    import torch
    import torch.nn.functional as F

    images, labels = digits_images()
    x = F.interpolate(torch.from_numpy(images), size=32, mode="bilinear", align_corners=False)
    return x, torch.from_numpy(labels)


# ----------------------------------------------------------------------------- generated


def linear_data(m: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A noisy linear regression problem with known weights [2, -3, 0.5] and bias 1.

    Recipe: ``rng = np.random.default_rng(seed)``; ``X = rng.standard_normal((3, m))``;
    ``y = [[2, -3, 0.5]] @ X + 1 + 0.1 * rng.standard_normal((1, m))``.

    Returns ``(X, y)``: X (3, m) float64; y (1, m) float64.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, m))
    y = np.array([[2.0, -3.0, 0.5]]) @ X + 1.0 + 0.1 * rng.standard_normal((1, m))
    return X, y


def linear_data_torch(m: int = 200, seed: int = 0):
    """``linear_data`` in torch's rows-first layout (imports torch).

    Recipe: ``X, y = linear_data(m, seed)``; ``torch.from_numpy(X.T.copy())``,
    ``torch.from_numpy(y.T.copy())``.

    Returns ``(X, y)`` as CPU torch tensors: X (m, 3) float64; y (m, 1) float64.
    """
    import torch

    X, y = linear_data(m, seed)
    return torch.from_numpy(X.T.copy()), torch.from_numpy(y.T.copy())


def blobs(m: int = 200, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Two linearly separable Gaussian blobs.

    Recipe: ``rng = np.random.default_rng(seed)``; class 0 (drawn first):
    ``(-2, -2) + 0.5 * rng.standard_normal((2, m//2))``; class 1:
    ``(2, 2) + 0.5 * rng.standard_normal((2, m - m//2))`` (100 each for m = 200). Columns
    are class 0 then class 1 (not shuffled).

    Returns ``(X, Y)``: X (2, m) float64; Y (1, m) float64 in {0, 1}.
    """
    rng = np.random.default_rng(seed)
    n0 = m // 2
    X0 = np.array([[-2.0], [-2.0]]) + 0.5 * rng.standard_normal((2, n0))
    X1 = np.array([[2.0], [2.0]]) + 0.5 * rng.standard_normal((2, m - n0))
    X = np.concatenate([X0, X1], axis=1)
    Y = np.concatenate([np.zeros(n0), np.ones(m - n0)]).reshape(1, m)
    return X, Y


def planar_flower(m: int = 400, a: float = 4, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The two-class "flower" of deeplearning.ai's planar data set.

    Recipe: ``rng = np.random.default_rng(seed)``; ``N = m // 2``; for j in 0, 1 (in order):
    ``t = np.linspace(3.12*j, 3.12*(j+1), N) + 0.2 * rng.standard_normal(N)`` (t-noise
    drawn first), then ``r = a * np.sin(4*t) + 0.2 * rng.standard_normal(N)``; columns
    ``N*j .. N*(j+1)-1`` of X are ``[r*sin(t); r*cos(t)]`` with label j. ``m`` must be even.

    Returns ``(X, Y)``: X (2, m) float64; Y (1, m) float64 in {0, 1} (class 0 first).
    """
    if m % 2:
        raise ValueError(f"planar_flower needs an even m, got {m}")
    rng = np.random.default_rng(seed)
    N = m // 2
    X = np.zeros((2, m))
    Y = np.zeros((1, m))
    for j in range(2):
        t = np.linspace(3.12 * j, 3.12 * (j + 1), N) + 0.2 * rng.standard_normal(N)
        r = a * np.sin(4 * t) + 0.2 * rng.standard_normal(N)
        X[0, N * j : N * (j + 1)] = r * np.sin(t)
        X[1, N * j : N * (j + 1)] = r * np.cos(t)
        Y[0, N * j : N * (j + 1)] = j
    return X, Y


def noisy_xor(m: int = 400, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """XOR of the signs of two uniform coordinates (not linearly separable).

    Recipe: ``rng = np.random.default_rng(seed)``; ``X = rng.uniform(-1, 1, size=(2, m))``;
    ``Y = (X[0] > 0) XOR (X[1] > 0)``.

    Returns ``(X, Y)``: X (2, m) float64 in [-1, 1); Y (1, m) float64 in {0, 1}.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(2, m))
    Y = ((X[0] > 0) ^ (X[1] > 0)).astype(np.float64).reshape(1, m)
    return X, Y


def _spirals(rng: np.random.Generator, m: int, K: int, noise: float):
    if K < 2 or m % K:
        raise ValueError(f"spirals needs K >= 2 and m divisible by K, got m={m}, K={K}")
    N = m // K
    X = np.zeros((2, m))
    y = np.zeros(m, dtype=np.int64)
    for k in range(K):
        r = np.linspace(0.0, 1.0, N)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), N) + noise * rng.standard_normal(N)
        X[0, N * k : N * (k + 1)] = r * np.sin(t)
        X[1, N * k : N * (k + 1)] = r * np.cos(t)
        y[N * k : N * (k + 1)] = k
    Y = y.astype(np.float64).reshape(1, m) if K == 2 else _one_hot(y, K)
    return X, Y


def spirals(m: int = 200, K: int = 2, noise: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """K interleaved noisy spiral arms (the A07 regularisation / optimiser data set).

    Recipe: ``rng = np.random.default_rng(seed)``; ``N = m // K``; for class k = 0..K-1 (in
    order): ``r = np.linspace(0, 1, N)``; ``t = np.linspace(4k, 4(k+1), N) + noise *
    rng.standard_normal(N)``; columns ``N*k .. N*(k+1)-1`` of X are ``[r*sin(t); r*cos(t)]``
    with label k. ``m`` must be divisible by K.

    Returns ``(X, Y)``: X (2, m) float64; Y (1, m) float64 in {0, 1} when K == 2, else
    one-hot (K, m) float64. Columns are grouped by class (not shuffled).
    """
    return _spirals(np.random.default_rng(seed), m, K, noise)


def spirals_train_test(seed: int = 0) -> dict[str, np.ndarray]:
    """The A07 split: train m=200, then test m=1000 drawn next from the same generator.

    Recipe: ``rng = np.random.default_rng(seed)``; train = the ``spirals`` recipe with
    m=200, K=2, noise=0.3 on ``rng``; test = the same recipe with m=1000 on the *same*
    ``rng``, continuing its stream. (So the train part equals ``spirals(200, seed=seed)``.)

    Returns a dict: ``"X_train"`` (2, 200) float64, ``"Y_train"`` (1, 200) float64 in {0, 1},
    ``"X_test"`` (2, 1000) float64, ``"Y_test"`` (1, 1000) float64 in {0, 1}.
    """
    rng = np.random.default_rng(seed)
    X_train, Y_train = _spirals(rng, 200, 2, 0.3)
    X_test, Y_test = _spirals(rng, 1000, 2, 0.3)
    return {"X_train": X_train, "Y_train": Y_train, "X_test": X_test, "Y_test": Y_test}


def adding_problem(n: int, T: int, generator=None):
    """The adding problem for sequence regressors (torch; imports torch).

    Recipe, all on CPU from ``generator`` (a ``torch.Generator``; None = torch's default), in
    this order: ``values = torch.rand(n, T, dtype=float64)`` (U(0, 1)); ``i1 =
    torch.randint(0, T//2, (n,))`` (first marker in [0, T/2)); ``i2 = torch.randint(T//2, T,
    (n,))`` (second marker in [T/2, T)); the input is ``x[:, :, 0] = values`` and
    ``x[:, :, 1] = 1`` at i1 and i2, 0 elsewhere; the target is ``values[i1] + values[i2]``.
    Predicting the mean (1.0) gives MSE ≈ 1/6 ≈ 0.167. Needs T >= 2.

    Returns ``(x, y)`` as CPU torch tensors: x (n, T, 2) float64; y (n, 1) float64.
    """
    import torch

    if T < 2:
        raise ValueError(f"adding_problem needs T >= 2, got {T}")
    values = torch.rand(n, T, dtype=torch.float64, generator=generator)
    i1 = torch.randint(0, T // 2, (n,), generator=generator)
    i2 = torch.randint(T // 2, T, (n,), generator=generator)
    rows = torch.arange(n)
    markers = torch.zeros(n, T, dtype=torch.float64)
    markers[rows, i1] = 1.0
    markers[rows, i2] = 1.0
    x = torch.stack([values, markers], dim=2)
    y = (values[rows, i1] + values[rows, i2]).unsqueeze(1)
    return x, y


# ----------------------------------------------------------------------------- corpus


def _corpus() -> str:
    return _load("corpus.txt", lambda b: b.decode("ascii"))


def __getattr__(name: str):
    # ``CORPUS`` is read lazily (PEP 562) so that importing grader.data touches no file.
    if name == "CORPUS":
        return _corpus()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def char_vocab() -> tuple[list[str], dict[str, int], dict[int, str]]:
    """The corpus vocabulary: ``chars = sorted(set(CORPUS))`` (28 symbols, ``"\\n"`` first).

    Returns ``(chars, char_to_ix, ix_to_char)``: a list of 28 one-character strings and the
    two dicts mapping a character to its index in ``chars`` and back.
    """
    chars = sorted(set(_corpus()))
    return chars, {c: i for i, c in enumerate(chars)}, dict(enumerate(chars))


def char_batches(T: int, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """m random windows of the course corpus for character-level language modelling.

    ``CORPUS`` is the text of CURRICULUM Appendix B (``datasets/corpus.txt``, 670 characters,
    28 symbols). Recipe: ``idx`` = the corpus as indices into ``chars = sorted(set(CORPUS))``;
    ``starts = rng.integers(0, len(CORPUS) - T, size=m)`` (one draw); column j of the inputs is
    ``idx[starts[j] : starts[j] + T]`` and of the targets ``idx[starts[j] + 1 : starts[j] + T + 1]``
    (the next character). Needs 1 <= T < len(CORPUS).

    Returns ``(x_idx, y_idx)``: both (T, m) int64 in 0..27 (time-major, one column per window).
    """
    text = _corpus()
    if not 1 <= T < len(text):
        raise ValueError(f"char_batches needs 1 <= T < {len(text)}, got T={T}")
    _, char_to_ix, _ = char_vocab()
    idx = np.array([char_to_ix[c] for c in text], dtype=np.int64)
    starts = rng.integers(0, len(text) - T, size=m)
    offs = np.arange(T)[:, None]
    x_idx = idx[starts[None, :] + offs]
    y_idx = idx[starts[None, :] + offs + 1]
    return x_idx, y_idx
