#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""PyTorch CPU reference for fastprop's benchmarks. Prints one JSON object on stdout.

- MLP 784-512-256-10 (relu, softmax + cross-entropy, SGD momentum 0.9, lr 0.01): samples/s of
  a training step (zero_grad, forward, loss, backward, step) on one fixed batch, per batch size.
- sgemm GFLOP/s of torch.mm on the given shapes, "MxKxN" optionally followed by "/tn" (A stored
  transposed, as in Xᵀ·δ) or "/nt" (B stored transposed, as in δ·Wᵀ): a transposed view makes
  torch call BLAS with the transpose flag, exactly as autograd does in backprop.
- --rss-seconds S: instead, trains batch 64 over a 1024-row dataset for S seconds and reports
  the process's peak RSS (getrusage), to compare with fastprop's.

Every figure is the median over --samples timed chunks, after warm-up calls. Started from the
shared runner (shared/bench/torch_mlp.py); run it through torch-reference.sh, which picks the
threading layout. Needs Debian's python3-torch, run with /usr/bin/python3."""
import argparse, json, resource, statistics, time
import torch

p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=torch.get_num_threads(), help='torch intra-op threads')
p.add_argument('--batches', default='1,8,64,256,1024', help='MLP batch sizes; empty: skip')
p.add_argument('--gemm', default='', help='comma-separated MxKxN[/tn|/nt] shapes; empty: skip')
p.add_argument('--seconds', type=float, default=2.0, help='time budget per measurement')
p.add_argument('--samples', type=int, default=5, help='timed chunks per measurement (median)')
p.add_argument('--rss-seconds', type=float, default=0.0, help='peak-RSS run instead of timings')
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

def per_call_seconds(fn, budget):
    """Median seconds per call over args.samples chunks of budget/samples seconds each."""
    fn(); fn()  # warm-up: allocator, OpenBLAS thread start-up, buffers
    chunk, times = budget / args.samples, []
    for _ in range(args.samples):
        n, t0 = 0, time.perf_counter()
        while True:
            fn(); n += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= chunk: break
        times.append(elapsed / n)
    return statistics.median(times)

def mlp():
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                torch.nn.Linear(512, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    return model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), torch.nn.CrossEntropyLoss()

def step(model, opt, loss_fn, x, y):
    opt.zero_grad(set_to_none=True)
    loss_fn(model(x), y).backward()
    opt.step()

out = {'system': f'torch {torch.__version__}', 'threads': args.threads}
if args.rss_seconds > 0:
    model, opt, loss_fn = mlp()
    x, y = torch.rand(1024, 784), torch.randint(0, 10, (1024,))
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < args.rss_seconds:
        for i in range(0, 1024, 64):
            step(model, opt, loss_fn, x[i:i + 64], y[i:i + 64]); n += 64
    out['rss'] = {'peak_rss_bytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  'samples_per_s': n / (time.perf_counter() - t0)}
else:
    out['mlp_784_512_256_10'] = {}
    for b in [int(s) for s in args.batches.split(',') if s]:
        model, opt, loss_fn = mlp()
        x, y = torch.rand(b, 784), torch.randint(0, 10, (b,))
        sec = per_call_seconds(lambda: step(model, opt, loss_fn, x, y), args.seconds)
        out['mlp_784_512_256_10'][b] = {'step_ms': sec * 1e3, 'samples_per_s': b / sec}
    out['gemm_gflops'] = {}
    for shape in [s for s in args.gemm.split(',') if s]:
        dims, _, trans = shape.partition('/')
        m, k, n = (int(d) for d in dims.split('x'))
        a = torch.rand(k, m).t() if trans == 'tn' else torch.rand(m, k)
        bm = torch.rand(n, k).t() if trans == 'nt' else torch.rand(k, n)
        c = torch.empty(m, n)
        sec = per_call_seconds(lambda: torch.mm(a, bm, out=c), min(args.seconds, 1.0))
        out['gemm_gflops'][shape] = 2 * m * k * n / sec / 1e9
print(json.dumps(out))
