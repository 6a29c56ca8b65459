#!/usr/bin/env python3
"""PyTorch's float32 matrix product on one thread (OpenBLAS when present), for `pnpm bench:lm`.

Usage: /usr/bin/python3 scripts/torch_gemm.py M,K,N [M,K,N ...]
Prints one JSON line: {"M,K,N": GFLOP/s, ...} (the best of three timed rounds of ~1 GFLOP each).
"""
import json, os, sys, time

OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread'
if os.environ.get('_BLAS_REEXEC') != '1':
    env = dict(os.environ, _BLAS_REEXEC='1', OPENBLAS_NUM_THREADS='1')
    if os.path.exists(os.path.join(OPENBLAS, 'libblas.so.3')):
        env['LD_LIBRARY_PATH'] = OPENBLAS + (':' + env['LD_LIBRARY_PATH'] if env.get('LD_LIBRARY_PATH') else '')
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import torch

torch.set_num_threads(1)
out = {}
for shape in sys.argv[1:]:
    m, k, n = (int(x) for x in shape.split(','))
    a, b = torch.rand(m, k), torch.rand(k, n)
    reps = max(3, int(1e9 / (2 * m * k * n)))
    best = float('inf')
    for _ in range(4):
        t = time.perf_counter()
        for _ in range(reps):
            torch.mm(a, b)
        best = min(best, (time.perf_counter() - t) / reps)
    out[shape] = round(2 * m * k * n / best / 1e9, 1)
print(json.dumps(out))
