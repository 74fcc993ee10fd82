"""What PyTorch reads per second on this GPU: sum and max over a 1 GiB int32 tensor (CUDA events).

The ceiling beside the WebGPU one of `readCeiling` in micro.ts. Usage: python3 torch_read.py
"""
import json

import torch

x = torch.ones(2**28, dtype=torch.int32, device="cuda")
for name, op in [("sum", lambda: x.sum()), ("max", lambda: x.max())]:
    for _ in range(20):
        op()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(50):
        op()
    end.record()
    torch.cuda.synchronize()
    ms = start.elapsed_time(end) / 50
    print(json.dumps({"readCeiling": f"torch-{name}", "bytes": 2**30, "ms": round(ms, 4), "GBps": round(2**30 / ms / 1e6, 1)}))
