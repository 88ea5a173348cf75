#!/usr/bin/env bash
# Create the two comparison environments used by benchmarks/bench_grading.py:
#
#   $BENCH_ENVS/nbgrader   nbgrader (pinned) + ipykernel + numpy
#   $BENCH_ENVS/otter      otter-grader (pinned) + ipykernel + numpy
#
# Each lives in its own venv so that neither tool's dependency tree touches the
# project's .venv (nbgrader pins an older jupyter stack; otter pulls pandas etc.).
# torch is constrained out: neither tool needs it, and a stray dependency on it
# would make pip fetch a multi-GB CUDA build.
#
# Idempotent: an env whose stamp file matches the pinned versions is left alone
# (re-run with --force to rebuild). Prints how long each install took.
#
# Usage: bash benchmarks/setup_envs.sh [--force] [--only nbgrader|otter]
#        BENCH_ENVS=/some/dir bash benchmarks/setup_envs.sh
set -euo pipefail

NBGRADER_VERSION="${NBGRADER_VERSION:-0.9.6}"
OTTER_VERSION="${OTTER_VERSION:-7.0.0}"
NUMPY_SPEC="${NUMPY_SPEC:-numpy>=1.26,<3}"
PYTHON="${PYTHON:-python3.11}"
BENCH_ENVS="${BENCH_ENVS:-/tmp/dlgrade-bench-envs}"

force=0
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --only) only="$2"; shift ;;
    -h|--help) sed -n 2,17p "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
mkdir -p "$BENCH_ENVS"
constraints="$BENCH_ENVS/no-torch-constraints.txt"
# An unsatisfiable pin: any package that asks for torch makes the resolve fail
# loudly instead of downloading it.
printf 'torch<0\ntorchvision<0\ntensorflow<0\n' > "$constraints"

make_env() {  # name, stamp text, pip requirement...
  local name="$1" stamp="$2"; shift 2
  local env="$BENCH_ENVS/$name"
  if [ "$force" = 0 ] && [ -f "$env/.dlgrade-bench-stamp" ] \
     && [ "$(cat "$env/.dlgrade-bench-stamp")" = "$stamp" ]; then
    echo "[setup_envs] $name: up to date ($stamp) at $env"
    return 0
  fi
  rm -rf "$env"
  local t0; t0=$(date +%s.%N)
  "$PYTHON" -m venv "$env"
  # (grep drops pip's notes about this machine's local mirrors.)
  "$env/bin/python" -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  "$env/bin/python" -m pip install --quiet -c "$constraints" "$@" 2>&1 | grep -v "^WARNING: Location" || true
  "$env/bin/python" -m pip check >/dev/null || { "$env/bin/python" -m pip check; exit 1; }
  # A kernel named python3 inside the env, so that nbconvert/otter execute the
  # notebooks with this env's interpreter (not whatever `python3` is on PATH).
  "$env/bin/python" -m ipykernel install --prefix "$env" --name python3 >/dev/null
  if "$env/bin/python" -c 'import torch' 2>/dev/null; then
    echo "[setup_envs] $name: torch got installed, which should not happen" >&2
    exit 1
  fi
  echo "$stamp" > "$env/.dlgrade-bench-stamp"
  local t1; t1=$(date +%s.%N)
  local size; size=$(du -sm "$env" | cut -f1)
  printf '[setup_envs] %s: installed %s in %.1f s (%s MB) at %s\n' \
    "$name" "$stamp" "$(echo "$t1 - $t0" | bc)" "$size" "$env"
  printf '%s\t%s\t%.1f\t%s\n' "$name" "$stamp" "$(echo "$t1 - $t0" | bc)" "$size" \
    >> "$BENCH_ENVS/install-times.tsv"
}

if [ -z "$only" ] || [ "$only" = nbgrader ]; then
  make_env nbgrader "nbgrader==$NBGRADER_VERSION" \
    "nbgrader==$NBGRADER_VERSION" ipykernel "$NUMPY_SPEC"
  "$BENCH_ENVS/nbgrader/bin/python" -c 'import nbgrader; print("nbgrader", nbgrader.__version__)' \
    | sed 's/^/[setup_envs] /'
fi
if [ -z "$only" ] || [ "$only" = otter ]; then
  make_env otter "otter-grader==$OTTER_VERSION" \
    "otter-grader==$OTTER_VERSION" ipykernel "$NUMPY_SPEC"
  "$BENCH_ENVS/otter/bin/python" -c 'import otter; print("otter-grader", otter.__version__)' \
    | sed 's/^/[setup_envs] /'
fi
