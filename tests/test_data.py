"""Tests for grader.data: recipes, shapes, determinism, checksums (CURRICULUM §1.6)."""
from __future__ import annotations

import hashlib
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import grader.data as gd

REPO = Path(__file__).resolve().parents[1]
DATA_FILES = ("breast_cancer.csv.gz", "corpus.txt", "digits.csv.gz")


def _check(a, shape, dtype=np.float64):
    assert isinstance(a, np.ndarray)
    assert a.shape == shape
    assert a.dtype == dtype


def _equal(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _equal(a[k], b[k])
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _equal(x, y)
    else:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# ------------------------------------------------------------------ import / location


def test_import_is_numpy_only_and_lazy():
    # as in the sandbox: isolated mode, no bytecode writing; importing must not pull torch
    # or scikit-learn, and CORPUS is read lazily on first access
    code = (
        "import sys; sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[1])\n"
        "import grader.data as d\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "assert 'sklearn' not in sys.modules\n"
        "assert not d._cache\n"
        "d.digits(); d.breast_cancer(); assert len(d.CORPUS) == 670\n"
        "assert 'torch' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code, str(REPO)], cwd=REPO, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_datasets_dir_default_and_override(monkeypatch, tmp_path):
    monkeypatch.delenv(gd.ENV_VAR, raising=False)
    assert gd.datasets_dir().resolve() == (REPO / "datasets").resolve()
    monkeypatch.setenv(gd.ENV_VAR, str(tmp_path))
    assert gd.datasets_dir() == tmp_path
    monkeypatch.setenv(gd.ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError):
        gd.datasets_dir()


def test_checksum_file_matches_pinned_digests_and_files():
    listed = {}
    for line in (REPO / "datasets" / "checksums.sha256").read_text().splitlines():
        digest, name = line.split()
        listed[name] = digest
    assert listed == gd._SHA256
    for name in DATA_FILES:
        assert hashlib.sha256((REPO / "datasets" / name).read_bytes()).hexdigest() == gd._SHA256[name]


def test_data_files_are_small():
    for name in DATA_FILES:
        assert (REPO / "datasets" / name).stat().st_size < 100_000


@pytest.mark.parametrize(
    "name, loader",
    [
        ("digits.csv.gz", gd.digits),
        ("breast_cancer.csv.gz", gd.breast_cancer),
        ("corpus.txt", lambda: gd.CORPUS),
    ],
)
def test_checksum_rejects_corrupted_copy(name, loader, tmp_path, monkeypatch):
    for f in DATA_FILES:
        shutil.copy(REPO / "datasets" / f, tmp_path / f)
    data = bytearray((tmp_path / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / name).write_bytes(bytes(data))
    monkeypatch.delenv(gd.ENV_VAR, raising=False)
    loader()  # the intact copy is now cached; the cache must not hide the corrupted one
    monkeypatch.setenv(gd.ENV_VAR, str(tmp_path))
    with pytest.raises(gd.DatasetChecksumError, match=name.replace(".", r"\.")):
        loader()


def test_intact_copy_loads_via_override(tmp_path, monkeypatch):
    for f in DATA_FILES:
        shutil.copy(REPO / "datasets" / f, tmp_path / f)
    monkeypatch.setenv(gd.ENV_VAR, str(tmp_path))
    _equal(gd.digits(), _default_digits())
    assert len(gd.CORPUS) == 670


def _default_digits():
    import os

    saved = os.environ.pop(gd.ENV_VAR, None)
    try:
        return gd.digits()
    finally:
        if saved is not None:
            os.environ[gd.ENV_VAR] = saved


def test_results_are_fresh_copies():
    d = gd.digits()
    d["X_train"][:] = -1.0
    d["y_train"][:] = 99
    d2 = gd.digits()
    assert d2["X_train"].min() >= 0.0 and d2["y_train"].max() <= 9
    imgs, _ = gd.digits_images()
    imgs[:] = 5.0
    assert gd.digits_images()[0].max() <= 1.0
    b = gd.breast_cancer()
    b["X_train"][:] = 0.0
    assert abs(gd.breast_cancer()["X_train"]).sum() > 0


# ------------------------------------------------------------------ literal data


def test_truth_table():
    t = gd.truth_table()
    _check(t["X"], (2, 4))
    np.testing.assert_array_equal(t["X"], [[0, 0, 1, 1], [0, 1, 0, 1]])
    expect = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}
    for k, v in expect.items():
        _check(t[k], (1, 4))
        np.testing.assert_array_equal(t[k], [v])


def test_step_edge_image():
    img = gd.step_edge_image()
    _check(img, (1, 1, 6, 6))
    assert np.all(img[0, 0, :, :3] == 10) and np.all(img[0, 0, :, 3:] == 0)
    k = np.array([[1.0, 0.0, -1.0]] * 3)
    out = np.array([[np.sum(img[0, 0, i:i + 3, j:j + 3] * k) for j in range(4)] for i in range(4)])
    np.testing.assert_array_equal(out, [[0, 30, 30, 0]] * 4)


# ------------------------------------------------------------------ real data


def test_breast_cancer():
    b = gd.breast_cancer()
    _check(b["X_train"], (30, 400))
    _check(b["Y_train"], (1, 400))
    _check(b["X_test"], (30, 169))
    _check(b["Y_test"], (1, 169))
    np.testing.assert_allclose(b["X_train"].mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(b["X_train"].std(axis=1), 1.0, rtol=1e-12)
    # the test split is standardised with the *train* statistics, so it is not exactly 0/1
    assert np.abs(b["X_test"].mean(axis=1)).max() > 1e-6
    for Y in (b["Y_train"], b["Y_test"]):
        assert set(np.unique(Y)) <= {0.0, 1.0}
    # 212 malignant (0) / 357 benign (1) over all 569
    assert int(b["Y_train"].sum() + b["Y_test"].sum()) == 357


def test_breast_cancer_recipe():
    raw = gd._raw_breast_cancer()
    assert raw.shape == (569, 31)
    np.testing.assert_array_equal(raw[0, :3], [17.99, 10.38, 122.8])
    perm = np.random.default_rng(2).permutation(569)
    Xtr = raw[perm[:400], :30].T
    mu, sd = Xtr.mean(1, keepdims=True), Xtr.std(1, keepdims=True)
    b = gd.breast_cancer()
    np.testing.assert_array_equal(b["X_train"], (Xtr - mu) / sd)
    np.testing.assert_array_equal(b["X_test"], (raw[perm[400:], :30].T - mu) / sd)
    np.testing.assert_array_equal(b["Y_test"][0], raw[perm[400:], 30])


def test_breast_cancer_logistic_regression_reaches_curriculum_accuracy():
    b = gd.breast_cancer()
    X, Y = b["X_train"], b["Y_train"]
    W, c = np.zeros((1, 30)), 0.0
    for _ in range(2000):
        A = 1 / (1 + np.exp(-(W @ X + c)))
        W -= 0.1 * (A - Y) @ X.T / 400
        c -= 0.1 * float(np.mean(A - Y))
    acc = np.mean(((W @ b["X_test"] + c) > 0) == b["Y_test"])
    assert acc >= 0.95


def test_digits():
    d = gd.digits()
    _check(d["X_train"], (64, 1400))
    _check(d["X_test"], (64, 397))
    _check(d["y_train"], (1400,), np.int64)
    _check(d["y_test"], (397,), np.int64)
    _check(d["Y_train"], (10, 1400))
    _check(d["Y_test"], (10, 397))
    for X in (d["X_train"], d["X_test"]):
        assert X.min() == 0.0 and X.max() == 1.0
        assert np.all(np.isin(X * 16, np.arange(17)))
    for y, Y in ((d["y_train"], d["Y_train"]), (d["y_test"], d["Y_test"])):
        np.testing.assert_array_equal(Y.sum(axis=0), 1.0)
        np.testing.assert_array_equal(Y.argmax(axis=0), y)
    counts = np.bincount(np.concatenate([d["y_train"], d["y_test"]]), minlength=10)
    assert counts.sum() == 1797
    assert counts.tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_digits_split_recipe():
    images, labels = gd.digits_images()
    perm = np.random.default_rng(1).permutation(1797)
    d = gd.digits()
    flat = images.reshape(1797, 64).T
    np.testing.assert_array_equal(d["X_train"], flat[:, perm[:1400]])
    np.testing.assert_array_equal(d["X_test"], flat[:, perm[1400:]])
    np.testing.assert_array_equal(d["y_train"], labels[perm[:1400]])


def test_digits_images():
    images, labels = gd.digits_images()
    _check(images, (1797, 1, 8, 8))
    _check(labels, (1797,), np.int64)
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert np.bincount(labels).sum() == 1797
    assert labels[:10].tolist() == list(range(10))  # scikit-learn's order starts 0..9


def test_digits_images_32():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    x, y = gd.digits_images_32()
    assert isinstance(x, torch.Tensor) and x.shape == (1797, 1, 32, 32) and x.dtype == torch.float64
    assert y.shape == (1797,) and y.dtype == torch.int64
    assert x.device.type == "cpu"
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    images, labels = gd.digits_images()
    ref = F.interpolate(torch.from_numpy(images), size=32, mode="bilinear", align_corners=False)
    assert torch.equal(x, ref)
    assert torch.equal(y, torch.from_numpy(labels))


# ------------------------------------------------------------------ generated data


def test_linear_data():
    X, y = gd.linear_data()
    _check(X, (3, 200))
    _check(y, (1, 200))
    rng = np.random.default_rng(0)
    X2 = rng.standard_normal((3, 200))
    y2 = np.array([[2, -3, 0.5]]) @ X2 + 1 + 0.1 * rng.standard_normal((1, 200))
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_allclose(y, y2, rtol=0, atol=1e-14)
    # least squares recovers the true weights
    A = np.vstack([X, np.ones((1, 200))])
    w = np.linalg.lstsq(A.T, y[0], rcond=None)[0]
    np.testing.assert_allclose(w, [2, -3, 0.5, 1], atol=0.05)
    X3, y3 = gd.linear_data(m=50, seed=7)
    _check(X3, (3, 50))
    _check(y3, (1, 50))
    assert not np.array_equal(X3, X[:, :50])


def test_linear_data_torch():
    torch = pytest.importorskip("torch")
    X, y = gd.linear_data_torch()
    assert X.shape == (200, 3) and y.shape == (200, 1)
    assert X.dtype == torch.float64 and y.dtype == torch.float64
    Xn, yn = gd.linear_data()
    np.testing.assert_array_equal(X.numpy(), Xn.T)
    np.testing.assert_array_equal(y.numpy(), yn.T)
    assert X.is_contiguous()
    X2, _ = gd.linear_data_torch(m=10, seed=1)
    assert X2.shape == (10, 3)


def test_blobs():
    X, Y = gd.blobs()
    _check(X, (2, 200))
    _check(Y, (1, 200))
    np.testing.assert_array_equal(Y[0], [0] * 100 + [1] * 100)
    np.testing.assert_allclose(X[:, :100].mean(axis=1), [-2, -2], atol=0.15)
    np.testing.assert_allclose(X[:, 100:].mean(axis=1), [2, 2], atol=0.15)
    np.testing.assert_allclose(X[:, :100].std(axis=1), 0.5, atol=0.1)
    rng = np.random.default_rng(4)
    first = np.array([[-2.0], [-2.0]]) + 0.5 * rng.standard_normal((2, 100))
    np.testing.assert_array_equal(X[:, :100], first)
    X2, Y2 = gd.blobs(m=50, seed=0)
    _check(X2, (2, 50))
    assert Y2.sum() == 25


def test_planar_flower():
    X, Y = gd.planar_flower()
    _check(X, (2, 400))
    _check(Y, (1, 400))
    np.testing.assert_array_equal(Y[0], [0] * 200 + [1] * 200)
    rng = np.random.default_rng(1)
    t = np.linspace(0, 3.12, 200) + 0.2 * rng.standard_normal(200)
    r = 4 * np.sin(4 * t) + 0.2 * rng.standard_normal(200)
    np.testing.assert_array_equal(X[:, :200], np.vstack([r * np.sin(t), r * np.cos(t)]))
    assert np.abs(X).max() <= 4 + 1.5
    X2, _ = gd.planar_flower(m=100, a=2, seed=5)
    _check(X2, (2, 100))
    assert np.abs(X2).max() < np.abs(X).max()


def test_noisy_xor():
    X, Y = gd.noisy_xor()
    _check(X, (2, 400))
    _check(Y, (1, 400))
    assert X.min() >= -1 and X.max() < 1
    np.testing.assert_array_equal(Y[0], ((X[0] > 0) != (X[1] > 0)).astype(float))
    assert 0.3 < Y.mean() < 0.7
    np.testing.assert_array_equal(X, np.random.default_rng(3).uniform(-1, 1, size=(2, 400)))


def test_spirals():
    X, Y = gd.spirals()
    _check(X, (2, 200))
    _check(Y, (1, 200))
    np.testing.assert_array_equal(Y[0], [0] * 100 + [1] * 100)
    r = np.linspace(0, 1, 100)
    np.testing.assert_allclose(np.hypot(X[0, :100], X[1, :100]), r, atol=1e-12)
    X3, Y3 = gd.spirals(m=300, K=3, noise=0.0, seed=1)
    _check(X3, (2, 300))
    _check(Y3, (3, 300))
    np.testing.assert_array_equal(Y3.sum(axis=0), 1.0)
    t = np.linspace(8, 12, 100)
    np.testing.assert_allclose(X3[:, 200:], np.vstack([r * np.sin(t), r * np.cos(t)]))
    with pytest.raises(ValueError):
        gd.spirals(m=201)


def test_spirals_train_test():
    s = gd.spirals_train_test()
    _check(s["X_train"], (2, 200))
    _check(s["Y_train"], (1, 200))
    _check(s["X_test"], (2, 1000))
    _check(s["Y_test"], (1, 1000))
    Xtr, Ytr = gd.spirals(200, seed=0)
    np.testing.assert_array_equal(s["X_train"], Xtr)
    np.testing.assert_array_equal(s["Y_train"], Ytr)
    # the test set continues the same stream: not a fresh default_rng(0) draw
    Xfresh, _ = gd.spirals(1000, seed=0)
    assert not np.allclose(s["X_test"], Xfresh)
    rng = np.random.default_rng(0)
    rng.standard_normal(100)
    rng.standard_normal(100)
    t0 = np.linspace(0, 4, 500) + 0.3 * rng.standard_normal(500)
    r = np.linspace(0, 1, 500)
    np.testing.assert_array_equal(s["X_test"][:, :500], np.vstack([r * np.sin(t0), r * np.cos(t0)]))
    assert not np.array_equal(gd.spirals_train_test(seed=1)["X_test"], s["X_test"])


def test_adding_problem():
    torch = pytest.importorskip("torch")
    g = torch.Generator().manual_seed(0)
    x, y = gd.adding_problem(2000, 10, g)
    assert x.shape == (2000, 10, 2) and y.shape == (2000, 1)
    assert x.dtype == torch.float64 and y.dtype == torch.float64
    markers = x[:, :, 1]
    assert torch.all(markers.sum(1) == 2)
    assert torch.all(markers[:, :5].sum(1) == 1) and torch.all(markers[:, 5:].sum(1) == 1)
    torch.testing.assert_close(y[:, 0], (x[:, :, 0] * markers).sum(1), rtol=0, atol=1e-15)
    assert 0.0 <= float(x[:, :, 0].min()) and float(x[:, :, 0].max()) < 1.0
    assert abs(float(((y - 1.0) ** 2).mean()) - 1 / 6) < 0.02
    x2, y2 = gd.adding_problem(2000, 10, torch.Generator().manual_seed(0))
    assert torch.equal(x, x2) and torch.equal(y, y2)
    x3, _ = gd.adding_problem(3, 7, torch.Generator().manual_seed(1))
    assert x3.shape == (3, 7, 2)
    assert torch.all(x3[:, :3, 1].sum(1) == 1)


def test_corpus():
    text = gd.CORPUS
    assert isinstance(text, str)
    assert len(text) == 670
    assert len(set(text)) == 28
    assert text == (REPO / "datasets" / "corpus.txt").read_text()
    assert text.startswith("the perceptron adds its weighted inputs")
    assert text.endswith("the lstm keeps a memory cell and three gates.\n")
    from grader.data import CORPUS

    assert CORPUS == text
    chars, c2i, i2c = gd.char_vocab()
    assert len(chars) == 28 and chars == sorted(set(text))
    assert all(i2c[c2i[c]] == c for c in chars)
    assert math.isclose(math.log(len(chars)), 3.332, abs_tol=1e-3)


def test_char_batches():
    chars, c2i, _ = gd.char_vocab()
    x, y = gd.char_batches(25, 16, np.random.default_rng(0))
    _check(x, (25, 16), np.int64)
    _check(y, (25, 16), np.int64)
    assert x.min() >= 0 and x.max() < 28
    np.testing.assert_array_equal(x[1:], y[:-1])
    starts = np.random.default_rng(0).integers(0, 670 - 25, size=16)
    text = gd.CORPUS
    for j, s in enumerate(starts):
        assert "".join(chars[i] for i in x[:, j]) == text[s:s + 25]
        assert "".join(chars[i] for i in y[:, j]) == text[s + 1:s + 26]
    x2, y2 = gd.char_batches(25, 16, np.random.default_rng(0))
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = gd.char_batches(669, 2, np.random.default_rng(1))
    assert x3.shape == (669, 2)
    with pytest.raises(ValueError):
        gd.char_batches(670, 1, np.random.default_rng(0))


# ------------------------------------------------------------------ determinism


@pytest.mark.parametrize(
    "fn",
    [
        gd.truth_table,
        gd.blobs,
        gd.breast_cancer,
        gd.digits,
        gd.digits_images,
        gd.linear_data,
        gd.planar_flower,
        gd.noisy_xor,
        gd.spirals,
        gd.spirals_train_test,
        gd.step_edge_image,
    ],
)
def test_deterministic(fn):
    _equal(fn(), fn())


def test_all_float_outputs_are_float64():
    for fn in (gd.blobs, gd.linear_data, gd.planar_flower, gd.noisy_xor, gd.spirals):
        for a in fn():
            assert a.dtype == np.float64
