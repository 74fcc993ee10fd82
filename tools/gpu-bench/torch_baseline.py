"""PyTorch baselines for the decode-attention benchmark, on the same GPU in the same run.

1. scaled_dot_product_attention on a float16 cache (grouped-query attention via enable_gqa; every
   backend PyTorch lets us pick, and its default choice);
2. dequantize-then-attend: a 4-bit / 2-bit packed cache in the same KIVI layout as the WebGPU kernel
   (keys per channel over `group` tokens, values per token over `group` channels, float32 scale and
   min per group) dequantized to float16 with PyTorch ops, then SDPA.
Prints one JSON line per measurement. Usage: python3 torch_baseline.py [tokens,...] [batch]
"""
import json
import sys

import torch
import torch.nn.functional as F

lengths = [int(x) for x in (sys.argv[1] if len(sys.argv) > 1 else "8192,32768,131072").split(",")]
B = int(sys.argv[2]) if len(sys.argv) > 2 else 16
HKV, QPK, D, GROUP = 8, 4, 128, 32
HQ = HKV * QPK
dev = "cuda"
ITERS = 20


def timeit(fn, iters=ITERS):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(2):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(iters):
            fn()
        end.record()
        torch.cuda.synchronize()
        best = min(best, start.elapsed_time(end) / iters)
    return best


def emit(**record):
    print(json.dumps(record), flush=True)


emit(gpu=torch.cuda.get_device_name(0), torch=torch.__version__,
     memGB=round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1))


def sdpa(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, enable_gqa=True)


def unpack(codes, bits):
    """uint8 [..., n] holding 8 // bits codes per byte, LSB first -> float16 [..., n * 8 // bits]."""
    per = 8 // bits
    shifts = torch.arange(0, 8, bits, device=codes.device, dtype=torch.uint8)
    x = (codes.unsqueeze(-1) >> shifts) & ((1 << bits) - 1)
    return x.reshape(*codes.shape[:-1], codes.shape[-1] * per).to(torch.float16)


def dequant_keys(codes, scale, mn, bits, T):
    x = unpack(codes, bits).view(B, HKV, T // GROUP, GROUP, D)
    return (x * scale.unsqueeze(3) + mn.unsqueeze(3)).view(B, HKV, T, D)


def dequant_values(codes, scale, mn, bits, T):
    x = unpack(codes, bits).view(B, HKV, T, D // GROUP, GROUP)
    return (x * scale.unsqueeze(-1) + mn.unsqueeze(-1)).view(B, HKV, T, D)


for T in lengths:
    q = torch.randn(B, HQ, 1, D, device=dev, dtype=torch.float16)
    k = torch.randn(B, HKV, T, D, device=dev, dtype=torch.float16)
    v = torch.randn(B, HKV, T, D, device=dev, dtype=torch.float16)
    nbytes = 2 * k.numel() * 2
    from torch.nn.attention import SDPBackend, sdpa_kernel
    for name, backend in [("default", None), ("flash", SDPBackend.FLASH_ATTENTION),
                          ("efficient", SDPBackend.EFFICIENT_ATTENTION), ("cudnn", SDPBackend.CUDNN_ATTENTION),
                          ("math", SDPBackend.MATH)]:
        if name == "math" and T > 32768:
            continue
        try:
            if backend is None:
                ms = timeit(lambda: sdpa(q, k, v))
            else:
                with sdpa_kernel([backend]):
                    ms = timeit(lambda: sdpa(q, k, v))
            emit(impl="torch-sdpa-fp16", backend=name, tokens=T, batch=B, ms=round(ms, 4), cacheBytes=nbytes,
                 GBps=round(nbytes / ms / 1e6, 1))
        except Exception as e:  # a backend that does not support this shape
            emit(impl="torch-sdpa-fp16", backend=name, tokens=T, error=str(e)[:200])
    del k, v
    torch.cuda.empty_cache()
    for bits in (4, 2):
        per = 8 // bits
        kc = torch.randint(0, 256, (B, HKV, T, D // per), device=dev, dtype=torch.uint8)
        vc = torch.randint(0, 256, (B, HKV, T, D // per), device=dev, dtype=torch.uint8)
        ks = torch.full((B, HKV, T // GROUP, D), 1 / 64, device=dev, dtype=torch.float32).half()
        km = torch.full((B, HKV, T // GROUP, D), -0.1, device=dev, dtype=torch.float32).half()
        vs = torch.full((B, HKV, T, D // GROUP), 1 / 64, device=dev, dtype=torch.float32).half()
        vm = torch.full((B, HKV, T, D // GROUP), -0.1, device=dev, dtype=torch.float32).half()
        # bytes as stored by the WebGPU kernel: codes + float32 scale and min per group
        packed = kc.numel() + vc.numel() + 4 * 2 * (ks.numel() + vs.numel())

        def run():
            kk = dequant_keys(kc, ks, km, bits, T)
            vv = dequant_values(vc, vs, vm, bits, T)
            return sdpa(q, kk, vv)

        try:
            ms = timeit(run, iters=10)
            emit(impl="torch-dequant-then-sdpa", bits=bits, tokens=T, batch=B, ms=round(ms, 4), cacheBytes=packed,
                 GBps=round(packed / ms / 1e6, 1))
        except Exception as e:
            emit(impl="torch-dequant-then-sdpa", bits=bits, tokens=T, error=str(e)[:200])
        del kc, vc, ks, km, vs, vm
        torch.cuda.empty_cache()
