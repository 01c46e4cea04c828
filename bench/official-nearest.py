#!/usr/bin/env python3
"""Run the official QDrop code's round-to-nearest pipeline (no reconstruction) on our ResNet-20.

This file holds only our own code: the ResNet-20 build and its weights from the ONNX file, the
CIFAR-10 loading, the option-A shortcut adaptation (subclasses of the official QuantBasicBlock),
CPU shims, and the comparison with a QDQ model written by `quant-studio quantize`. The official
code is imported from a checkout of wimh966/QDrop given with --qdrop QDROP (never copied here):

  PATH/qdrop/...   the newer package (qdrop/quantization, qdrop/model, qdrop/solver):  --impl new
  PATH/quant/...   the older package imported as QDrop.quant (with PATH/models/):       --impl old

Both pipelines as the official main_imagenet.py files run them, reconstruction left out:
  new: search_fold_and_remove_bn; quantize_model (first/last weights 8-bit, a_list[-1] 8-bit);
       enable_calibration_woquantization('act_fake_quant'); model(cali[:256]);
       enable_calibration_woquantization('weight_fake_quant'); model(cali[:2]); enable_quantization
  old: QuantModel; set_first_last_layer_to_8bit; disable_network_output_quantization;
       set_act_quantize_params(cali 1024, order 'before'); set_weight_quantize_params;
       set_quant_state(True, True)

Examples (2 shared cores: one thread, nice; the new pipeline takes ~1-2 min a run, the
quant-before-relu variant ~10 min (2-D search on signed data), the old one ~3 min):
  nice -n 10 /usr/bin/python3 bench/official-nearest.py --qdrop QDROP --impl new \
      --bits 4/4,3/3,2/4 --variants natural,fc-in-abit,float-shortcut,quant-before-relu
  npx quant-studio quantize --model ../shared/models/resnet20_cifar10.onnx \
      --calib ../shared/data/cifar10/train --calib-count 1024 --act-calib 256 --w 3 --a 3 \
      --observer mse --method nearest --out ours_w3a3.onnx
  nice -n 10 /usr/bin/python3 bench/official-nearest.py --qdrop QDROP --impl new \
      --bits 3/3 --dump-ranges --ours ours_w3a3.onnx
  nice -n 10 /usr/bin/python3 bench/official-nearest.py --qdrop QDROP --impl old \
      --bits 3/3 --variants natural,fc-in-8bit --dump-ranges --ours ours_w3a3.onnx
"""
import argparse
import copy
import importlib
import json
import os
import random
import sys
import time
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, '..', '..', 'shared'))


# ----------------------------------------------------------------------------- model (ours)

class OptionA(nn.Module):
    """akamaster's option-A shortcut: x[:, :, ::2, ::2] padded with planes//4 zero channels each side."""

    def __init__(self, planes):
        super().__init__()
        self.pad = planes // 4

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), 'constant', 0)


class BasicBlock(nn.Module):
    """akamaster BasicBlock with BN folded into the convs (bias=True), ReLUs as modules, and the
    attribute names the official QuantBasicBlock reads (conv1, relu1, conv2, relu2, downsample)."""

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=True)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=True)
        self.relu2 = nn.ReLU(inplace=True)
        self.downsample = None  # no conv downsample in option A
        self.shortcut = OptionA(planes) if (stride != 1 or in_planes != planes) else None
        self.stride = stride

    def forward(self, x):
        out = self.relu1(self.conv1(x))
        out = self.conv2(out)
        out = out + (x if self.shortcut is None else self.shortcut(x))
        return self.relu2(out)


class ResNet20(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=True)
        self.relu = nn.ReLU(inplace=True)
        planes, layers = 16, []
        for i, p in enumerate([16, 32, 64]):
            blocks = []
            for b in range(3):
                stride = 2 if (i > 0 and b == 0) else 1
                blocks.append(BasicBlock(planes, p, stride))
                planes = p
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = torch.flatten(self.avgpool(x), 1)
        return self.linear(x)


def load_resnet20(onnx_path):
    """Weights from the ONNX initializers, following its Conv and Gemm nodes in order."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(onnx_path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    convs = [n for n in m.graph.node if n.op_type == 'Conv']
    gemms = [n for n in m.graph.node if n.op_type == 'Gemm']
    model = ResNet20()
    ours = [mod for mod in model.modules() if isinstance(mod, nn.Conv2d)]
    assert len(convs) == len(ours) == 19 and len(gemms) == 1, (len(convs), len(ours), len(gemms))
    names = {}
    for node, conv in zip(convs, ours):
        w, b = inits[node.input[1]], inits[node.input[2]]
        assert tuple(w.shape) == tuple(conv.weight.shape), (node.name, w.shape, conv.weight.shape)
        strides = [a.ints for a in node.attribute if a.name == 'strides'][0]
        assert tuple(strides) == conv.stride, (node.name, strides, conv.stride)
        conv.weight.data = torch.from_numpy(w.copy())
        conv.bias.data = torch.from_numpy(b.copy())
        names[conv] = node.input[1]
    g = gemms[0]
    trans_b = [a.i for a in g.attribute if a.name == 'transB']
    w = inits[g.input[1]]
    model.linear.weight.data = torch.from_numpy((w if trans_b and trans_b[0] == 1 else w.T).copy())
    model.linear.bias.data = torch.from_numpy(inits[g.input[2]].copy())
    model.eval()
    return model


# ----------------------------------------------------------------------------- data (ours)

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def load_images(folder, limit=None):
    """PNG files NNNN_CLASS.png in name order: RGB/255, normalized; labels from labels.json."""
    from PIL import Image
    files = sorted(f for f in os.listdir(folder) if f.lower().endswith('.png'))
    if limit is not None:
        files = files[:limit]
    split = os.path.basename(os.path.normpath(folder))
    labels_json = os.path.join(os.path.dirname(os.path.normpath(folder)), 'labels.json')
    with open(labels_json) as f:
        lj = json.load(f)
    xs, ys = [], []
    for name in files:
        a = np.asarray(Image.open(os.path.join(folder, name)).convert('RGB'), np.float32) / 255.0
        xs.append(((a - MEAN) / STD).transpose(2, 0, 1))
        idx = int(name.split('_')[0])
        y = lj[split][idx]
        assert lj['classes'][y] == name.split('_', 1)[1].rsplit('.', 1)[0], name
        ys.append(y)
    return torch.from_numpy(np.stack(xs)), torch.tensor(ys)


@torch.no_grad()
def top1(model, x, y, batch=32):
    model.eval()
    correct = 0
    for i in range(0, x.shape[0], batch):
        out = model(x[i:i + batch])
        correct += (out.argmax(1) == y[i:i + batch]).sum().item()
    return 100.0 * correct / x.shape[0]


def seed_all(seed):
    random.seed(seed)
    os.environ['PYTHONHASHSEED'] = str(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# ----------------------------------------------------------------------------- CPU shims (ours)

class Cfg(dict):
    """Attribute dict standing in for EasyDict (what the official yaml config becomes)."""
    __getattr__ = dict.__getitem__


def cpu_shims():
    """The official code calls .cuda(); this torch has no CUDA: make .cuda() a no-op."""
    if not torch.cuda.is_available():
        torch.Tensor.cuda = lambda self, *a, **k: self
        nn.Module.cuda = lambda self, *a, **k: self
    try:
        import scipy.optimize  # noqa: F401  (observer.py imports it for MSEFastObserver only)
    except ImportError:
        scipy = types.ModuleType('scipy')
        opt = types.ModuleType('scipy.optimize')

        def minimize_scalar(*a, **k):
            raise RuntimeError('scipy is not installed: MSEFastObserver is not available')
        opt.minimize_scalar = minimize_scalar
        scipy.optimize = opt
        sys.modules['scipy'] = scipy
        sys.modules['scipy.optimize'] = opt


def import_new(qdrop):
    """The newer package; main_imagenet's imagenet_utils / recon need yaml, easydict,
    torchvision or mmdet: stand-ins are used when they do not import (quantize_model needs neither)."""
    sys.path.insert(0, qdrop)
    sys.path.insert(0, os.path.join(qdrop, 'qdrop', 'solver'))
    for name, attrs in (('imagenet_utils', {}), ('recon', {'reconstruction': None})):
        try:
            importlib.import_module(name)
        except Exception:
            stub = types.ModuleType(name)
            stub.__dict__.update(attrs)
            sys.modules[name] = stub
    main = importlib.import_module('main_imagenet')
    return types.SimpleNamespace(
        main=main,
        model=importlib.import_module('qdrop.model'),
        qm=importlib.import_module('qdrop.quantization.quantized_module'),
        fq=importlib.import_module('qdrop.quantization.fake_quant'),
        state=importlib.import_module('qdrop.quantization.state'),
        obs=importlib.import_module('qdrop.quantization.observer'),
        fold=importlib.import_module('fold_bn'),
    )


def import_old(qdrop):
    """The older package is imported as `QDrop` (its modules say `from QDrop.models.resnet import …`)."""
    pkg = types.ModuleType('QDrop')
    pkg.__path__ = [qdrop]
    sys.modules['QDrop'] = pkg
    return types.SimpleNamespace(
        layer=importlib.import_module('QDrop.quant.quant_layer'),
        block=importlib.import_module('QDrop.quant.quant_block'),
        model=importlib.import_module('QDrop.quant.quant_model'),
        act=importlib.import_module('QDrop.quant.set_act_quantize_params'),
        weight=importlib.import_module('QDrop.quant.set_weight_quantize_params'),
    )


# ----------------------------------------------------------------------------- option-A adaptation (ours)
# Variants of what the official QuantBasicBlock does when the shortcut has no conv:
#   natural            residual = optionA(x), x the block input as the network carries it (already
#                      quantized by the previous quantizer), quantizer after add + relu  [default]
#   float-shortcut     the shortcut reads the float tensor the previous quantizer received
#   quant-before-relu  the block output quantizer after the add, before the relu (signed data)
#   fc-in-abit         (new) the last block's output (fc input) left at A bits, not 8
#   fc-in-8bit         (old) the last block's output set to 8 bits (the old set_first_last_layer_to_8bit
#                      refactors a quantizer the forward never uses: conv2's, disabled)

LAST_QUANT_INPUT = {}


def remember_input(module, inputs, output):
    LAST_QUANT_INPUT['x'] = inputs[0].detach()


def option_a_forward(variant, first, relu, quantize):
    """The block's forward for a variant (None: the official forward, unchanged). The two official
    packages name the same parts differently: first(self) is the conv + relu, relu(self) the block's
    activation, quantize(self, out) its output quantizer (identity where that is switched off)."""
    if variant == 'natural' or variant.startswith('fc-in'):
        return None
    if variant not in ('float-shortcut', 'quant-before-relu'):
        raise ValueError(variant)

    def forward(self, x):
        xs = x
        if variant == 'float-shortcut':
            xf = LAST_QUANT_INPUT.get('x')
            xs = x if xf is None or xf.shape != x.shape else xf
        residual = xs if self.downsample is None else self.downsample(xs)
        out = self.conv2(first(self)(x))
        out += residual
        if variant == 'quant-before-relu':
            return relu(self)(quantize(self, out))
        return quantize(self, relu(self)(out))
    return forward


def option_a_block(Base, init, forward):
    """A subclass of an official QuantBasicBlock whose shortcut is option A (no weights, slicing and
    zero padding: official `residual = x if self.downsample is None else self.downsample(x)`)."""
    attrs = {'__init__': init}
    if forward is not None:
        attrs['forward'] = forward
    return type('QuantBasicBlockOptionA', (Base,), attrs)


def make_new_block(ns, variant):
    Base = ns.model.QuantBasicBlock

    def init(self, org_module, w_qconfig, a_qconfig, qoutput=True):
        Base.__init__(self, org_module, w_qconfig, a_qconfig, qoutput)
        self.downsample = org_module.shortcut

    return option_a_block(Base, init, option_a_forward(
        variant, lambda m: m.conv1_relu, lambda m: m.activation,
        lambda m, out: m.block_post_act_fake_quantize(out) if m.qoutput else out))


def make_old_block(ns, variant):
    Base = ns.block.QuantBasicBlock

    def init(self, basic_block, weight_quant_params={}, act_quant_params={}):
        Base.__init__(self, basic_block, weight_quant_params, act_quant_params)
        self.downsample = basic_block.shortcut

    return option_a_block(Base, init, option_a_forward(
        variant, lambda m: m.conv1, lambda m: m.activation_function,
        lambda m, out: m.act_quantizer(out) if m.use_act_quant else out))


# ----------------------------------------------------------------------------- pipelines

def run_new(ns, fp, cali, wb, ab, variant, act_cali):
    specials = ns.model.specials
    specials[BasicBlock] = make_new_block(ns, variant)
    ns.main.specials[BasicBlock] = specials[BasicBlock]
    model = copy.deepcopy(fp)
    ns.fold.search_fold_and_remove_bn(model)
    quant = Cfg(
        a_qconfig=Cfg(quantizer='LSQFakeQuantize', observer='MSEObserver', bit=ab, symmetric=False, ch_axis=-1),
        w_qconfig=Cfg(quantizer='AdaRoundFakeQuantize', observer='MSEObserver', bit=wb, symmetric=False, ch_axis=0),
        calibrate=1024)
    model = ns.main.quantize_model(model, quant)
    model.eval()
    if variant == 'fc-in-abit':
        acts = [m for n, m in model.named_modules() if isinstance(m, ns.fq.QuantizeBase) and 'act' in n]
        acts[-1].set_bit(ab)
    hooks = []
    if variant == 'float-shortcut':
        hooks = [m.register_forward_hook(remember_input) for n, m in model.named_modules()
                 if isinstance(m, ns.fq.QuantizeBase) and 'act' in n]
    for name, module in model.named_modules():
        if isinstance(module, ns.obs.ObserverBase):
            module.set_name(name)
    with torch.no_grad():
        ns.state.enable_calibration_woquantization(model, quantizer_type='act_fake_quant')
        model(cali[:act_cali].cuda())
        ns.state.enable_calibration_woquantization(model, quantizer_type='weight_fake_quant')
        model(cali[:2].cuda())
    ns.state.enable_quantization(model)
    return model, hooks


def run_old(ns, fp, cali, wb, ab, variant, act_cali):
    ns.block.specials[BasicBlock] = make_old_block(ns, variant)
    model = copy.deepcopy(fp)
    wq = {'n_bits': wb, 'channel_wise': True, 'scale_method': 'mse'}
    aq = {'n_bits': ab, 'channel_wise': False, 'scale_method': 'mse', 'leaf_param': True, 'prob': 1.0}
    qnn = ns.model.QuantModel(model=model, weight_quant_params=wq, act_quant_params=aq)
    qnn.eval()
    qnn.set_first_last_layer_to_8bit()
    qnn.disable_network_output_quantization()
    eight = [n for n, m in qnn.named_modules() if isinstance(m, ns.layer.UniformAffineQuantizer) and m.n_bits == 8]
    print('  old set_first_last_layer_to_8bit made 8-bit: %s' % ', '.join(eight), flush=True)
    if variant == 'fc-in-8bit':
        blocks = [m for m in qnn.modules() if isinstance(m, ns.block.BaseQuantBlock)]
        blocks[-1].act_quantizer.bitwidth_refactor(8)
    hooks = []
    if variant == 'float-shortcut':
        hooks = [m.act_quantizer.register_forward_hook(remember_input) for m in qnn.modules()
                 if isinstance(m, (ns.layer.QuantModule, ns.block.BaseQuantBlock))]
    ns.act.set_act_quantize_params(qnn, cali_data=cali[:act_cali], awq=False, order='before')
    ns.weight.set_weight_quantize_params(qnn)
    qnn.set_quant_state(weight_quant=True, act_quant=True)
    return qnn, hooks


# ----------------------------------------------------------------------------- ranges

def onnx_tensor_of(name):
    """Quantizer module name → the ONNX tensor it quantizes (torch.onnx names of the akamaster export)."""
    name = name.replace('model.', '', 1) if name.startswith('model.') else name
    parts = name.split('.')
    if parts[0] == 'conv1':
        return '/Relu_output_0'
    if parts[0].startswith('layer') and len(parts) >= 3:
        layer, blk, what = parts[0], parts[1], parts[2]
        pre = '/{0}/{0}.{1}/'.format(layer, blk)
        if what in ('conv1_relu', 'conv1'):
            return pre + 'Relu_output_0'
        if what in ('block_post_act_fake_quantize', 'act_quantizer'):
            return pre + 'Relu_1_output_0'
    return None


def new_ranges(ns, model):
    rows = []
    for n, m in model.named_modules():
        if isinstance(m, ns.fq.QuantizeBase) and 'act' in n:
            s, z = m.scale.detach().reshape(-1)[0].item(), int(m.zero_point.reshape(-1)[0].item())
            rows.append(dict(quantizer=n, tensor=onnx_tensor_of(n), bits=m.bit, scale=s, zp=z,
                             lo=(m.quant_min - z) * s, hi=(m.quant_max - z) * s,
                             obs_min=m.observer.min_val.item(), obs_max=m.observer.max_val.item()))
    return rows


def old_ranges(ns, qnn):
    rows = []
    for n, m in qnn.named_modules():
        if isinstance(m, (ns.layer.QuantModule, ns.block.BaseQuantBlock)):
            if isinstance(m, ns.layer.QuantModule) and m.disable_act_quant:
                continue
            q = m.act_quantizer
            s, z = float(q.delta), int(q.zero_point)
            rows.append(dict(quantizer=n + '.act_quantizer', tensor=onnx_tensor_of(n + '.act_quantizer'), bits=q.n_bits,
                             scale=s, zp=z, lo=(0 - z) * s, hi=(q.n_levels - 1 - z) * s,
                             obs_min=float(q.running_min), obs_max=float(q.running_max)))
    return rows


def read_qdq(path):
    """Our QDQ model: activation (scale, zero point, clip) per tensor, dequantized weights and biases."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    acts, weights = {}, {}
    clips = {n.input[0]: n for n in m.graph.node if n.op_type == 'Clip'}
    for n in m.graph.node:
        if n.op_type == 'QuantizeLinear':
            s = float(inits[n.input[1]].reshape(-1)[0])
            z = int(inits[n.input[2]].reshape(-1)[0]) if len(n.input) > 2 else 0
            qmin, qmax = 0, 255
            c = clips.get(n.output[0])
            if c is not None:
                qmin, qmax = int(inits[c.input[1]].reshape(-1)[0]), int(inits[c.input[2]].reshape(-1)[0])
            acts[n.input[0]] = dict(scale=s, zp=z, qmin=qmin, qmax=qmax, lo=(qmin - z) * s, hi=(qmax - z) * s,
                                    bits=int(round(np.log2(qmax - qmin + 1))))
        elif n.op_type == 'DequantizeLinear' and n.input[0] in inits:
            q = inits[n.input[0]].astype(np.float64)
            s = inits[n.input[1]].astype(np.float64)
            z = inits[n.input[2]].astype(np.float64) if len(n.input) > 2 else np.zeros_like(s)
            axis = [a.i for a in n.attribute if a.name == 'axis']
            shape = [1] * q.ndim
            if s.ndim == 1 and q.ndim > 0:
                shape[axis[0] if axis else 1] = -1
            weights[n.output[0]] = ((q - z.reshape(shape)) * s.reshape(shape)).astype(np.float32)
    for k, v in inits.items():  # tensors left float (the stem conv's bias: its input is not quantized)
        if k not in weights and v.dtype == np.float32:
            weights[k] = v
    return acts, weights


# ----------------------------------------------------------------------------- swap evaluation (pure torch)

class FakeQuantAct(nn.Module):
    def __init__(self, scale, zp, qmin, qmax):
        super().__init__()
        self.s, self.z, self.qmin, self.qmax = scale, zp, qmin, qmax

    def forward(self, x):
        return (torch.clamp(torch.round(x / self.s) + self.z, self.qmin, self.qmax) - self.z) * self.s


class SwapNet(nn.Module):
    """Our ResNet-20 with fixed weights and activation quantizers on the QDrop/studio placement:
    after the stem relu, after each block's conv1+relu, after each block's add+relu."""

    def __init__(self, fp, weights, acts):
        super().__init__()
        self.net = copy.deepcopy(fp)
        for mod, (w, b) in weights.items():
            dict(self.net.named_modules())[mod].weight.data = torch.as_tensor(w).float()
            dict(self.net.named_modules())[mod].bias.data = torch.as_tensor(b).float()
        self.acts = acts  # tensor name -> (scale, zp, qmin, qmax)

    def q(self, t, x):
        if t not in self.acts:
            return x
        s, z, lo, hi = self.acts[t]
        return (torch.clamp(torch.round(x / s) + z, lo, hi) - z) * s

    def forward(self, x):
        n = self.net
        x = self.q('/Relu_output_0', F.relu(n.conv1(x)))
        for li, layer in enumerate([n.layer1, n.layer2, n.layer3], 1):
            for bi, blk in enumerate(layer):
                pre = '/layer{0}/layer{0}.{1}/'.format(li, bi)
                out = self.q(pre + 'Relu_output_0', F.relu(blk.conv1(x)))
                out = blk.conv2(out)
                out = out + (x if blk.shortcut is None else blk.shortcut(x))
                x = self.q(pre + 'Relu_1_output_0', F.relu(out))
        return n.linear(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def torch_layer_names(fp):
    return [n for n, m in fp.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def official_new_weights(ns, model, fp):
    """(module name in our net) -> fake-quantized weight, float bias, from the official quantized model."""
    out = {}
    qlayers = [m for m in model.modules() if isinstance(m, (ns.qm.QConv2d, ns.qm.QLinear))]
    for name, q in zip(torch_layer_names(fp), qlayers):
        fq = q.weight_fake_quant
        w = ns.fq.fake_quantize_per_channel_affine(q.weight.data, fq.scale.data, fq.zero_point.data.int(), 0,
                                                   fq.quant_min, fq.quant_max)
        out[name] = (w.detach().clone(), q.bias.data.clone())
    return out


@torch.no_grad()
def official_old_weights(ns, qnn, fp):
    """The same from the older package's QuantModules (weight_quantizer with its initialized delta/zero point)."""
    out = {}
    qlayers = [m for m in qnn.modules() if isinstance(m, ns.layer.QuantModule)]
    for name, q in zip(torch_layer_names(fp), qlayers):
        out[name] = (q.weight_quantizer(q.weight).detach().clone(), q.bias.data.clone())
    return out


def ours_weights(fp, qdq_weights, onnx_path):
    import onnx
    m = onnx.load(onnx_path)
    layer_nodes = [n for n in m.graph.node if n.op_type in ('Conv', 'Gemm')]
    out = {}
    for name, node in zip(torch_layer_names(fp), layer_nodes):
        w = qdq_weights[node.input[1]]
        b = qdq_weights[node.input[2]]
        if node.op_type == 'Gemm':
            tb = [a.i for a in node.attribute if a.name == 'transB']
            w = w if tb and tb[0] == 1 else w.T
        out[name] = (torch.from_numpy(np.array(w, dtype=np.float32)), torch.from_numpy(np.array(b, dtype=np.float32)))
    return out


# ----------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--qdrop', required=True, help='checkout of wimh966/QDrop (qdrop/ and/or quant/ inside)')
    ap.add_argument('--impl', default='new', choices=['new', 'old'])
    ap.add_argument('--model', default=os.path.join(SHARED, 'models', 'resnet20_cifar10.onnx'))
    ap.add_argument('--data', default=os.path.join(SHARED, 'data', 'cifar10'))
    ap.add_argument('--bits', default='4/4,3/3,2/4', help='W/A pairs, comma separated')
    ap.add_argument('--variants', default='natural')
    ap.add_argument('--cali', type=int, default=1024, help='calibration images (first N of train)')
    ap.add_argument('--act-cali', type=int, default=None, help='images for activation ranges (new: 256, old: all)')
    ap.add_argument('--seed', type=int, default=1005)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--dump-ranges', action='store_true')
    ap.add_argument('--ours', help="our QDQ model (quant-studio quantize --out) to compare ranges with and swap")
    ap.add_argument('--json-out', help='write all results here')
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    import logging
    import warnings
    warnings.filterwarnings('ignore', message='_aminmax is deprecated')
    cpu_shims()
    qdrop = os.path.abspath(args.qdrop)
    ns = import_new(qdrop) if args.impl == 'new' else import_old(qdrop)
    for name in ('qdrop', 'quantization'):  # the official loggers print the whole model at INFO
        logging.getLogger(name).setLevel(logging.WARNING)
    act_cali = args.act_cali or (256 if args.impl == 'new' else args.cali)

    fp = load_resnet20(args.model)
    xt, yt = load_images(os.path.join(args.data, 'test'))
    cali, _ = load_images(os.path.join(args.data, 'train'), args.cali)
    print('float top-1 %.2f %%  (test %d images, calibration %d images, activation ranges from %d)'
          % (top1(fp, xt, yt), xt.shape[0], cali.shape[0], act_cali), flush=True)

    results = []
    for bits in args.bits.split(','):
        wb, ab = (int(v) for v in bits.split('/'))
        for variant in args.variants.split(','):
            seed_all(args.seed)
            t0 = time.time()
            run = run_new if args.impl == 'new' else run_old
            model, hooks = run(ns, fp, cali, wb, ab, variant, act_cali)
            acc = top1(model, xt, yt)
            for h in hooks:
                h.remove()
            r = dict(impl=args.impl, w=wb, a=ab, variant=variant, act_cali=act_cali, top1=acc, seconds=round(time.time() - t0, 1))
            print('%s W%dA%d %-18s top-1 %.2f %%  (%.0f s)' % (args.impl, wb, ab, variant, acc, r['seconds']), flush=True)
            if args.dump_ranges:
                rows = new_ranges(ns, model) if args.impl == 'new' else old_ranges(ns, model)
                r['ranges'] = rows
                print('  %-52s %-42s bits %10s %4s %10s   %s' % ('quantizer', 'tensor', 'scale', 'zp', 'max', 'observer min/max'))
                for x in rows:
                    print('  %-52s %-42s %4d %10.6f %4d %10.5f   %.5f / %.5f' % (x['quantizer'], x['tensor'], x['bits'], x['scale'], x['zp'], x['hi'], x['obs_min'], x['obs_max']))
            if args.ours and variant in ('natural', 'fc-in-8bit'):
                if args.impl == 'new':
                    off_rows, off_w = new_ranges(ns, model), official_new_weights(ns, model, fp)
                else:
                    off_rows, off_w = old_ranges(ns, model), official_old_weights(ns, model, fp)
                r['compare'] = compare(off_rows, off_w, fp, args.ours, args.model, xt, yt, args.impl)
            results.append(r)
    if args.json_out:
        with open(args.json_out, 'w') as f:
            json.dump(results, f, indent=1)


def compare(off_rows, w_off, fp, ours_path, onnx_path, xt, yt, impl):
    acts_ours, qdq_w = read_qdq(ours_path)
    off = {x['tensor']: x for x in off_rows}
    print('  ranges, official (%s) vs ours (%s):' % (impl, os.path.basename(ours_path)))
    print('  %-36s %4s %10s %10s %8s' % ('tensor', 'bits', 'official', 'ours', 'ours/off'))
    rows = []
    for t, o in off.items():
        u = acts_ours.get(t)
        if u is None:
            print('  %-36s missing in ours' % t)
            continue
        rows.append(dict(tensor=t, bits_off=o['bits'], bits_ours=u['bits'], scale_off=o['scale'], scale_ours=u['scale'],
                         hi_off=o['hi'], hi_ours=u['hi'], zp_off=o['zp'], zp_ours=u['zp'], ratio=u['scale'] / o['scale']))
        print('  %-36s %d/%d %10.6f %10.6f %8.4f' % (t, o['bits'], u['bits'], o['scale'], u['scale'], u['scale'] / o['scale']))
    extra = sorted(set(acts_ours) - set(off))
    if extra:
        print('  in ours only:', extra)
    # weights: per-layer max relative difference of dequantized weights
    w_ours = ours_weights(fp, qdq_w, onnx_path)
    wdiff = {}
    for name in w_off:
        a, b = w_off[name][0], w_ours[name][0]
        wdiff[name] = dict(changed=float((a - b).abs().gt(1e-6 * (1 + a.abs())).float().mean()),
                           max_abs=float((a - b).abs().max()), bias_max_abs=float((w_off[name][1] - w_ours[name][1]).abs().max()))
    print('  weights (fraction of weights whose dequantized value differs, max |diff|, bias max |diff|):')
    for name, d in wdiff.items():
        print('    %-22s %.4f %.5f %.6f' % (name, d['changed'], d['max_abs'], d['bias_max_abs']))

    def acts_of(src):
        if src == 'ours':
            return {t: (u['scale'], u['zp'], u['qmin'], u['qmax']) for t, u in acts_ours.items()}
        return {t: (o['scale'], o['zp'], 0, 2 ** o['bits'] - 1) for t, o in off.items()}
    swaps = {}
    for wsrc, asrc in (('official', 'official'), ('ours', 'ours'), ('official', 'ours'), ('ours', 'official')):
        net = SwapNet(fp, w_off if wsrc == 'official' else w_ours, acts_of(asrc))
        acc = top1(net, xt, yt)
        swaps['w=%s a=%s' % (wsrc, asrc)] = acc
        print('  pure-torch fake quant, weights %-8s + activation ranges %-8s: top-1 %.2f %%' % (wsrc, asrc, acc), flush=True)
    # one tensor at a time: official everything, with one activation range taken from ours
    single = {}
    base = acts_of('official')
    for t in base:
        if t not in acts_ours:
            continue
        a = dict(base)
        a[t] = acts_of('ours')[t]
        single[t] = top1(SwapNet(fp, w_off, a), xt, yt)
    print('  official weights+ranges with ONE activation range from ours:')
    for t, acc in single.items():
        print('    %-36s %.2f %%' % (t, acc))
    # the reverse: ours everything, one activation range from the official run
    single_rev = {}
    base = acts_of('ours')
    for t in acts_of('official'):
        if t not in base:
            continue
        a = dict(base)
        a[t] = acts_of('official')[t]
        single_rev[t] = top1(SwapNet(fp, w_ours, a), xt, yt)
    print('  ours weights+ranges with ONE activation range from the official run:')
    for t, acc in single_rev.items():
        print('    %-36s %.2f %%' % (t, acc), flush=True)
    return dict(ranges=rows, weights=wdiff, swaps=swaps, single=single, single_rev=single_rev)


if __name__ == '__main__':
    main()
