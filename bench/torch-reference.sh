#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# PyTorch CPU at its best on this machine, for side-by-side ratios with fastprop.
# Usage: bench/torch-reference.sh THREADS [torch_mlp.py args...]
#        bench/torch-reference.sh --layout OMP BLAS [torch_mlp.py args...]   (one layout only)
# Runs torch_mlp.py in each threading layout that uses THREADS cores (torch's own OpenMP threads
# × OpenBLAS threads), with OpenBLAS free to pick its fastest kernel for this CPU (AVX-512): a
# machine-wide OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE pin is lifted for this command alone (with it
# PyTorch runs about half as fast). Prints one JSON object holding, per figure, the best layout's
# value (for peak RSS: the lower). Exits 3 with {"error": …} when python3-torch is absent.
# Needs Debian's python3-torch: apt-get install -y python3-torch
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! { [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; }; then
  echo '{"error": "python3-torch is not installed (apt-get install -y python3-torch)"}'; exit 3
fi
run() {  # run OMP BLAS [args...]: torch_mlp.py in one layout
  local omp=$1 blas=$2; shift 2
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS="$omp" OPENBLAS_NUM_THREADS="$blas" \
    /usr/bin/python3 "$here/torch_mlp.py" --threads "$omp" "$@"
}
if [ "${1:-}" = --layout ]; then
  shift; run "$@"; exit
fi
threads=${1:-2}; shift || true
runs=("$(run 1 "$threads" "$@")")
[ "$threads" != 1 ] && runs+=("$(run "$threads" 1 "$@")")
printf '%s\n' "${runs[@]}" | /usr/bin/python3 -c '
import json, sys
runs = [json.loads(l) for l in sys.stdin if l.strip()]
best = {"system": runs[0]["system"], "threads": int(sys.argv[1]), "layouts": []}
for r in runs:
    best["layouts"].append(r["threads"])
    for b, v in r.get("mlp_784_512_256_10", {}).items():
        cur = best.setdefault("mlp_784_512_256_10", {}).get(b)
        if cur is None or v["samples_per_s"] > cur["samples_per_s"]:
            best["mlp_784_512_256_10"][b] = dict(v, omp_threads=r["threads"])
    for s, g in r.get("gemm_gflops", {}).items():
        best.setdefault("gemm_gflops", {})[s] = max(g, best.get("gemm_gflops", {}).get(s, 0))
    if "rss" in r and ("rss" not in best or r["rss"]["peak_rss_bytes"] < best["rss"]["peak_rss_bytes"]):
        best["rss"] = r["rss"]
print(json.dumps(best))' "$threads"
