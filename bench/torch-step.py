#!/usr/bin/env python3
"""The PyTorch peer of bench/train-step.ts: one W2A4 QDrop reconstruction iteration of a block on
the CPU, written as the official QDrop code (wimh966/QDrop, quant/block_recon.py) does it, timed.

    python3 bench/torch-step.py SPEC.json [--iters 20] [--budget 20] [--warmup 2] [--threads N]

SPEC.json is one block spec or a list of them, as bench/train-step.ts writes them
(bench/out/train-step-spec.json): the block's nodes in order (Conv, Clip/ReLU, Add), its
activation-quantizer sites, shapes, batch and drop probabilities. Weights are random (timing
only; the shapes are the model's). One iteration, as QDrop's block reconstruction runs it:
  - a batch of `batch` samples drawn from caches of `cacheCount` float inputs, quantized inputs
    and float outputs; QDrop input mixing where(rand < p_in, x_q, x_fp);
  - AdaRound soft weights W~ = s*(clamp(floor(W/s) + h(V) + z, qmin, qmax) - z),
    h(V) = clamp(sigmoid(V)*1.2 - 0.1, 0, 1);
  - every activation quantizer: LSQ fake quant with straight-through rounding and a learnable
    step size, keeping the float value instead with probability 1 - p (QDrop);
  - loss = mean over batch and pixels of the sum over channels of the squared error, plus the
    AdaRound regulariser lambda * sum(1 - |2h(V) - 1|^beta) (beta 10, lambda 0.01: live);
  - backward; Adam on V (1e-3) and on the step sizes (4e-5, cosine annealing).
Prints one JSON line: {"torch", "threads", "blocks": [{"name", "msPerIter", "itersTimed", ...}]}.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

ZETA, GAMMA = 1.1, -0.1
BETA, LAMBDA = 10.0, 0.01


def round_ste(x):
    return (x.round() - x).detach() + x


class Step:
    def __init__(self, torch, spec, iters):
        F = torch.nn.functional
        self.torch, self.F, self.spec = torch, F, spec
        self.batch, self.count = spec['batch'], spec['cacheCount']
        self.p, self.p_in = spec['drop'], spec['inputDrop']
        wq = spec['weights']
        self.wq_min, self.wq_max = wq['qmin'], wq['qmax']
        self.convs = {}
        alphas = []
        for n in spec['nodes']:
            if n['op'] != 'Conv':
                continue
            shape = n['weight']
            fan_in = shape[1] * shape[2] * shape[3]
            w = torch.randn(*shape) * math.sqrt(2.0 / fan_in)
            flat = w.reshape(shape[0], -1)
            lo = flat.min(1).values.clamp(max=0)
            hi = flat.max(1).values.clamp(min=0)
            delta = ((hi - lo) / (self.wq_max - self.wq_min)).clamp(min=1e-8).reshape(-1, 1, 1, 1)
            zp = (self.wq_min - lo.reshape(-1, 1, 1, 1) / delta).round().clamp(self.wq_min, self.wq_max)
            rest = w / delta - torch.floor(w / delta)
            alpha = (-torch.log((ZETA - GAMMA) / (rest - GAMMA) - 1)).requires_grad_(True)
            bias = torch.randn(shape[0]) * 0.01 if n['bias'] else None
            self.convs[n['name']] = dict(w=w, delta=delta, zp=zp, alpha=alpha, bias=bias)
            alphas.append(alpha)
        self.acts = {}
        for a in spec['acts']:
            delta = torch.nn.Parameter(torch.tensor(float(a['scale'])))
            self.acts[a['tensor']] = dict(delta=delta, zp=float(a['zeroPoint']), qmin=a['qmin'], qmax=a['qmax'])
        in_shape, out_shape = spec['input']['shape'], spec['output']['shape']
        self.x_fp = torch.rand(self.count, *in_shape)
        self.x_q = torch.rand(self.count, *in_shape)
        self.y_fp = torch.rand(self.count, *out_shape)
        self.opt_w = torch.optim.Adam(alphas, lr=1e-3)
        self.opt_a = torch.optim.Adam([a['delta'] for a in self.acts.values()], lr=4e-5)
        self.sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt_a, T_max=max(1, iters), eta_min=0.0)

    def soft_targets(self, c):
        return self.torch.clamp(self.torch.sigmoid(c['alpha']) * (ZETA - GAMMA) + GAMMA, 0, 1)

    def soft_weight(self, c):
        # AdaRoundQuantizer.forward with soft targets
        x_floor = self.torch.floor(c['w'] / c['delta'])
        x_int = x_floor + self.soft_targets(c)
        x_quant = self.torch.clamp(x_int + c['zp'], self.wq_min, self.wq_max)
        return (x_quant - c['zp']) * c['delta']

    def act_quant(self, x, q):
        # UniformAffineQuantizer with a learned step size, and QDrop's dropping
        x_int = round_ste(x / q['delta']) + q['zp']
        x_quant = self.torch.clamp(x_int, q['qmin'], q['qmax'])
        x_dequant = (x_quant - q['zp']) * q['delta']
        if self.p < 1.0:
            return self.torch.where(self.torch.rand_like(x) < self.p, x_dequant, x)
        return x_dequant

    def forward(self, x):
        env = {self.spec['input']['name']: x}
        for n in self.spec['nodes']:
            op = n['op']
            if op == 'Conv':
                c = self.convs[n['name']]
                pad = n['padding']
                y = self.F.conv2d(env[n['input']], self.soft_weight(c), c['bias'], stride=n['stride'], padding=pad, dilation=n['dilation'], groups=n['group'])
            elif op == 'Clip':
                lo, hi = n['min'], n['max']
                y = self.F.relu(env[n['input']]) if lo == 0 and hi is None else self.torch.clamp(env[n['input']], lo, hi)
            elif op == 'Add':
                y = env[n['inputs'][0]] + env[n['inputs'][1]]
            else:
                raise ValueError(f'op {op} is not supported')
            q = self.acts.get(n['output'])
            env[n['output']] = self.act_quant(y, q) if q else y
        return env[self.spec['output']['name']]

    def iteration(self):
        torch = self.torch
        # quant/block_recon.py: samples with replacement, quantized input where rand < input_prob
        idx = torch.randint(0, self.count, (self.batch,))
        cur_inp, cur_sym, tgt = self.x_q[idx], self.x_fp[idx], self.y_fp[idx]
        if self.p_in < 1.0:
            cur_inp = torch.where(torch.rand_like(cur_inp) < self.p_in, cur_inp, cur_sym)
        self.opt_w.zero_grad()
        self.opt_a.zero_grad()
        out = self.forward(cur_inp)
        rec_loss = (out - tgt).abs().pow(2).sum(1).mean()
        round_loss = 0
        for c in self.convs.values():
            round_loss = round_loss + LAMBDA * (1 - ((self.soft_targets(c) - 0.5).abs() * 2).pow(BETA)).sum()
        err = rec_loss + round_loss
        err.backward(retain_graph=True)
        self.opt_w.step()
        self.opt_a.step()
        self.sched.step()
        return float(err.detach())


def time_block(torch, spec, args):
    torch.manual_seed(1005)
    step = Step(torch, spec, args.iters + args.warmup)
    warm = []
    for _ in range(args.warmup):
        t0 = time.perf_counter()
        step.iteration()
        warm.append((time.perf_counter() - t0) * 1000)
    times = []
    start = time.perf_counter()
    while len(times) < args.iters and (len(times) < min(3, args.iters) or time.perf_counter() - start < args.budget):
        t0 = time.perf_counter()
        loss = step.iteration()
        times.append((time.perf_counter() - t0) * 1000)
    if not math.isfinite(loss):
        raise ValueError(f'loss is {loss}')
    return {'name': spec['name'], 'msPerIter': round(statistics.median(times), 2), 'itersTimed': len(times), 'iterMs': [round(t, 2) for t in times], 'warmupMs': [round(t, 2) for t in warm]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('spec')
    ap.add_argument('--iters', type=int, default=20)
    ap.add_argument('--budget', type=float, default=20.0, help='seconds of timed iterations per block')
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    args = ap.parse_args()
    import torch  # noqa: E402 -- after argparse, so --help works without PyTorch

    torch.set_num_threads(args.threads)
    with open(args.spec) as f:
        specs = json.load(f)
    if isinstance(specs, dict):
        specs = [specs]
    blocks = []
    for spec in specs:
        try:
            if spec.get('unsupported'):
                raise ValueError(spec['unsupported'])
            blocks.append(time_block(torch, spec, args))
        except Exception as e:  # one block failing leaves the others
            blocks.append({'name': spec.get('name'), 'error': f'{type(e).__name__}: {e}'})
        print(f"[torch-step] {json.dumps(blocks[-1])[:300]}", file=sys.stderr)
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blocks': blocks}))


if __name__ == '__main__':
    main()
