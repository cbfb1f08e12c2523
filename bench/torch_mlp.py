#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""PyTorch CPU reference for fastprop's benchmarks. Prints JSON on stdout.

- MLP 784-512-256-10 (relu, softmax + cross-entropy, SGD momentum 0.9, lr 0.01): samples/s of
  a training step (zero_grad, forward, loss, backward, step) on one fixed batch, per batch size.
- sgemm GFLOP/s of torch.mm on the given shapes, "MxKxN" optionally followed by "/tn" (A stored
  transposed, as in Xᵀ·δ) or "/nt" (B stored transposed, as in δ·Wᵀ): a transposed view makes
  torch call BLAS with the transpose flag, exactly as autograd does in backprop.
- --rss-seconds S: instead, trains batch 64 over a 1024-row dataset for S seconds and reports
  the process's peak RSS, to compare with fastprop's. Read from /proc/self/status (VmHWM), not
  getrusage: Linux carries a parent's peak over into ru_maxrss across fork and exec, so a runner
  started from a large node process would report the node process's figure.
- --serve: answers one JSON request per stdin line with one JSON line, so bench/torch.ts can
  interleave PyTorch's timed chunks with fastprop's on a noisy machine without paying the import
  of torch each time: {"op": "mlp", "batch": B, "seconds": S} -> {"samples_per_s": …};
  {"op": "gemm", "shape": "MxKxN[/tn|/nt]", "seconds": S} -> {"gflops": …}. The first request
  for a batch or shape warms up first (untimed).

Batch figures are the median over --samples timed chunks, after warm-up calls. Started from the
shared runner (shared/bench/torch_mlp.py); run it through torch-reference.sh, which sets the
threading layout. Needs Debian's python3-torch, run with /usr/bin/python3."""
import argparse, ctypes, json, os, re, resource, statistics, sys, time
import torch

p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=torch.get_num_threads(), help='torch intra-op threads')
p.add_argument('--batches', default='1,8,64,256,1024', help='MLP batch sizes; empty: skip')
p.add_argument('--gemm', default='', help='comma-separated MxKxN[/tn|/nt] shapes; empty: skip')
p.add_argument('--seconds', type=float, default=2.0, help='time budget per measurement')
p.add_argument('--samples', type=int, default=5, help='timed chunks per measurement (median)')
p.add_argument('--rss-seconds', type=float, default=0.0, help='peak-RSS run instead of timings')
p.add_argument('--serve', action='store_true', help='answer JSON requests on stdin')
p.add_argument('--which-blas', action='store_true', help='print the BLAS library torch uses, and exit')
p.add_argument('--keep-subnormals', action='store_true',
               help='leave subnormal floats on (torch default); without it, flushed to zero as fastprop does')
args = p.parse_args()
# Before any thread starts, so torch's threads inherit the mode. Without it, SGD momentum leaves
# the velocities of weights with zero gradient as stuck subnormals, which cost an Intel core a
# microcode assist on every update: PyTorch at its best flushes them, as fastprop does.
flush = torch.set_flush_denormal(not args.keep_subnormals)
torch.set_num_threads(args.threads)
torch.manual_seed(0)

def warm_up(fn):
    fn(); fn()  # allocator, OpenBLAS thread start-up, autograd buffers
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 0.1: fn()

def chunk_seconds_per_call(fn, seconds):
    """Mean seconds per call over one chunk of about `seconds`."""
    n, t0 = 0, time.perf_counter()
    while True:
        fn(); n += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds: return elapsed / n

def median_seconds_per_call(fn, budget):
    warm_up(fn)
    return statistics.median(chunk_seconds_per_call(fn, budget / args.samples) for _ in range(args.samples))

def blas_library():
    """The BLAS library torch.mm reaches, as {'name', 'path', 'reference'}. Debian's torch links
    libblas.so.3, which the alternatives system points at whatever BLAS is installed: with only
    the netlib reference BLAS that python3-torch pulls in, torch.mm runs at ~3-5 GFLOP/s, which
    is no measure of PyTorch (bench/torch.ts refuses to compare against it)."""
    torch.mm(torch.rand(64, 64), torch.rand(64, 64))  # loads the library if torch loads it lazily
    with open('/proc/self/maps') as f:
        paths = {l.split()[-1] for l in f if l.rstrip().endswith('.so') or '.so.' in l}
    blas = sorted(p for p in paths if re.search(r'blas|blis|mkl', os.path.basename(p)))
    if not blas:
        return {'name': 'unknown', 'path': '', 'reference': False}
    path = blas[0]
    lib = ctypes.CDLL(path)  # already mapped by torch: this only looks up its version symbols
    config = getattr(lib, 'openblas_get_config', None)  # "OpenBLAS 0.3.21 NO_LAPACKE …"
    if config is not None:
        config.restype = lib.openblas_get_corename.restype = ctypes.c_char_p
        version = ' '.join(config().decode().split()[:2])
        return {'name': f'{version} (core {lib.openblas_get_corename().decode()})', 'path': path,
                'reference': False}
    blis = getattr(lib, 'bli_info_get_version_str', None)
    if blis is not None:
        blis.restype = ctypes.c_char_p
        return {'name': f'BLIS {blis().decode()}', 'path': path, 'reference': False}
    real = os.path.realpath(path)
    reference = '/blas/libblas.so' in real  # Debian's netlib package (libblas3)
    return {'name': 'reference BLAS (netlib)' if reference else os.path.basename(real), 'path': real,
            'reference': reference}

def peak_rss_bytes():
    try:
        with open('/proc/self/status') as f:
            return next(int(l.split()[1]) * 1024 for l in f if l.startswith('VmHWM:'))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux

def mlp_step(batch):
    """A training step of a fresh model on one fixed random batch, as a closure."""
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                torch.nn.Linear(512, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = torch.rand(batch, 784), torch.randint(0, 10, (batch,))
    def step(x=x, y=y):
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    return step

def gemm_call(shape):
    """torch.mm on the shape's operands, as a closure, and its flop count."""
    dims, _, trans = shape.partition('/')
    m, k, n = (int(d) for d in dims.split('x'))
    a = torch.rand(k, m).t() if trans == 'tn' else torch.rand(m, k)
    b = torch.rand(n, k).t() if trans == 'nt' else torch.rand(k, n)
    c = torch.empty(m, n)
    return (lambda: torch.mm(a, b, out=c)), 2 * m * k * n

blas = blas_library()
out = {'system': f'torch {torch.__version__}, {blas["name"]}', 'threads': args.threads,
       'flush_subnormals': flush and not args.keep_subnormals}
if args.which_blas:
    print(json.dumps(blas))
elif args.serve:
    cached = {}  # the last batch's or shape's closure only: a 2048² GEMM holds 48 MB
    print(json.dumps(out), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        key = (req['op'], req.get('batch'), req.get('shape'))
        if key not in cached:
            cached.clear()
            cached[key] = mlp_step(req['batch']) if req['op'] == 'mlp' else gemm_call(req['shape'])
            warm_up(cached[key] if req['op'] == 'mlp' else cached[key][0])
        if req['op'] == 'mlp':
            reply = {'samples_per_s': req['batch'] / chunk_seconds_per_call(cached[key], req['seconds'])}
        else:
            fn, flop = cached[key]
            reply = {'gflops': flop / chunk_seconds_per_call(fn, req['seconds']) / 1e9}
        print(json.dumps(reply), flush=True)
elif args.rss_seconds > 0:
    step = mlp_step(64)
    x, y = torch.rand(1024, 784), torch.randint(0, 10, (1024,))
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < args.rss_seconds:
        for i in range(0, 1024, 64):
            step(x[i:i + 64], y[i:i + 64]); n += 64
    out['rss'] = {'peak_rss_bytes': peak_rss_bytes(), 'samples_per_s': n / (time.perf_counter() - t0)}
    print(json.dumps(out))
else:
    out['mlp_784_512_256_10'] = {}
    for b in [int(s) for s in args.batches.split(',') if s]:
        sec = median_seconds_per_call(mlp_step(b), args.seconds)
        out['mlp_784_512_256_10'][b] = {'step_ms': sec * 1e3, 'samples_per_s': b / sec}
    out['gemm_gflops'] = {}
    for shape in [s for s in args.gemm.split(',') if s]:
        fn, flop = gemm_call(shape)
        out['gemm_gflops'][shape] = flop / median_seconds_per_call(fn, min(args.seconds, 1.0)) / 1e9
    print(json.dumps(out))
