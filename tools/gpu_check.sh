#!/usr/bin/env bash
# One prepared check of the CuPy backend on a machine with an NVIDIA GPU:
#   1. the GPU and the CuPy wheel that matches it (tapeflow[gpu] = cupy-cuda12x);
#   2. the test suite under TAPEFLOW_BACKEND=cupy (--maxfail=200, so one run lists them all);
#   3. the W3-W5 benchmarks, tapeflow on CuPy against PyTorch on the same GPU.
# Usage: bash tools/gpu_check.sh [OUTDIR]   (writes OUTDIR/{env,tests,bench}.txt; default
# gpu-check-out). Run it from a checkout; it makes its own virtual environment in .gpu-venv.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-gpu-check-out}"
mkdir -p "$out"

{
  date -u
  nvidia-smi || echo "nvidia-smi failed: no NVIDIA driver here"
  uptime
} > "$out/env.txt" 2>&1

python3 -m venv .gpu-venv
# shellcheck disable=SC1091
source .gpu-venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e ".[dev,gpu]" || { echo "install failed" >> "$out/env.txt"; exit 1; }
python -m pip install --quiet torch || echo "no PyTorch: the benchmark compares nothing" >> "$out/env.txt"
TAPEFLOW_BACKEND=cupy python -c "import tapeflow as tf; print(tf.config.list_physical_devices())" \
  >> "$out/env.txt" 2>&1 || { cat "$out/env.txt"; exit 1; }

# 2. The suite on the GPU backend (the MPI tests are skipped unless the distributed extra is in).
TAPEFLOW_BACKEND=cupy timeout 3000 python -m pytest tests -q -p no:cacheprovider \
  --maxfail=200 --continue-on-collection-errors > "$out/tests.txt" 2>&1
echo "tests exit status $?" >> "$out/tests.txt"

# 3. W3-W5: tapeflow (CuPy) and PyTorch (CUDA) on the same GPU, the suite's own harness.
TAPEFLOW_BACKEND=cupy timeout 1800 python -m benchmarks --workloads W3,W4,W5 --frameworks tapeflow,torch \
  > "$out/bench.txt" 2>&1
echo "benchmark exit status $?" >> "$out/bench.txt"
tail -n 5 "$out/tests.txt" "$out/bench.txt"
