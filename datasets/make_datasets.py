"""Regenerate the course's real-data files from scikit-learn (run once, offline afterwards).

The course never needs scikit-learn or the network at run time: ``grader.data`` reads the
compact files written here and checks their SHA-256 against the digests pinned in
``grader/data.py`` (and listed in ``checksums.sha256``).

Usage (in a throw-away virtualenv; scikit-learn is *not* a course dependency)::

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn numpy
    /tmp/skl/bin/python datasets/make_datasets.py            # writes into datasets/
    /tmp/skl/bin/python datasets/make_datasets.py --check    # rebuild in memory, compare

What it writes (gzip with mtime=0 and no embedded file name, so the bytes are reproducible):

* ``digits.csv.gz``  - ``sklearn.datasets.load_digits()``: 1797 rows; a header line, then
  65 comma-separated integers per row: the 64 pixels (row-major 8x8, integers 0..16, exactly
  the values of ``data``) followed by the label ``target`` (0..9).
* ``breast_cancer.csv.gz`` - ``sklearn.datasets.load_breast_cancer()``: 569 rows; a header
  line (the 30 feature names, then ``target``), then the 30 features written with ``repr``
  (shortest string that round-trips the float64 exactly) and the integer target
  (0 = malignant, 1 = benign, scikit-learn's coding).
* ``checksums.sha256`` - ``sha256sum``-format digests of the two files above and of
  ``corpus.txt`` (the course corpus, CURRICULUM Appendix B, which is hand-written text and is
  not generated here).

After regenerating, copy the new digests into ``_SHA256`` in ``grader/data.py``.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = ("breast_cancer.csv.gz", "corpus.txt", "digits.csv.gz")


def _gzip_bytes(text: str) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("ascii"))
    return buf.getvalue()


def digits_csv() -> str:
    import numpy as np
    from sklearn.datasets import load_digits

    d = load_digits()
    pix = np.asarray(d.data)
    assert pix.shape == (1797, 64)
    ipix = pix.astype(np.int64)
    assert np.array_equal(ipix, pix) and ipix.min() == 0 and ipix.max() == 16
    lines = [",".join([f"p{i}" for i in range(64)] + ["target"])]
    for row, t in zip(ipix, d.target):
        lines.append(",".join(str(int(v)) for v in row) + f",{int(t)}")
    return "\n".join(lines) + "\n"


def breast_cancer_csv() -> str:
    import numpy as np
    from sklearn.datasets import load_breast_cancer

    d = load_breast_cancer()
    X = np.asarray(d.data, dtype=np.float64)
    assert X.shape == (569, 30)
    names = [str(n).replace(" ", "_") for n in d.feature_names]
    lines = [",".join(names + ["target"])]
    for row, t in zip(X, d.target):
        lines.append(",".join(repr(float(v)) for v in row) + f",{int(t)}")
    text = "\n".join(lines) + "\n"
    # round-trip check: the text must reproduce the float64 values bit for bit
    back = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1)
    assert np.array_equal(back[:, :30], X) and np.array_equal(back[:, 30], d.target)
    return text


def build() -> dict[str, bytes]:
    return {
        "digits.csv.gz": _gzip_bytes(digits_csv()),
        "breast_cancer.csv.gz": _gzip_bytes(breast_cancer_csv()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: datasets/)")
    ap.add_argument("--check", action="store_true", help="compare with the files in --out, write nothing")
    args = ap.parse_args(argv)
    import sklearn

    print(f"scikit-learn {sklearn.__version__}")
    blobs = build()
    if args.check:
        bad = [n for n, b in blobs.items() if (args.out / n).read_bytes() != b]
        print("differ: " + ", ".join(bad) if bad else "identical")
        return 1 if bad else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in blobs.items():
        (args.out / name).write_bytes(data)
        print(f"wrote {name} ({len(data)} bytes)")
    sums = []
    for name in FILES:
        digest = hashlib.sha256((args.out / name).read_bytes()).hexdigest()
        sums.append(f"{digest}  {name}\n")
    (args.out / "checksums.sha256").write_text("".join(sums))
    sys.stdout.write("".join(sums))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
