"""Parameters and multiply-adds of torchvision's own models: the independent
reference for Loupe's cost model (tests/engines/scaling/CostModelTest.cpp).

Usage: torchvision_costs.py MODEL...
  MODEL: NAME@RESOLUTION, NAME one of efficientnet_b0 … efficientnet_b7, or
  shufflenet@RESOLUTION@REPEATS@CHANNELS (ShuffleNetV2 with those stage
  repeats and channels, e.g. shufflenet@224@4,8,4@24,60,120,240,512).
Prints a JSON list of {"params": …, "macs": …}, one per model. MACs are counted by forward hooks on every
Conv2d (output elements × in/groups × kh × kw) and Linear (in × out), on the
meta device so that nothing is computed.
"""
import json
import sys

import torch
import torchvision
from torchvision.models.shufflenetv2 import ShuffleNetV2


def costs(spec):
    parts = spec.split("@")
    name, resolution = parts[0], int(parts[1])
    if name == "shufflenet":
        repeats = [int(v) for v in parts[2].split(",")]
        channels = [int(v) for v in parts[3].split(",")]
        model = ShuffleNetV2(repeats, channels)
    else:
        model = getattr(torchvision.models, name)()
    params = sum(p.numel() for p in model.parameters())
    macs = 0

    def conv_hook(module, inputs, output):
        nonlocal macs
        kh, kw = module.kernel_size
        macs += output.numel() * (module.in_channels // module.groups) * kh * kw

    def linear_hook(module, inputs, output):
        nonlocal macs
        macs += module.in_features * module.out_features

    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.register_forward_hook(conv_hook)
        elif isinstance(m, torch.nn.Linear):
            m.register_forward_hook(linear_hook)
    model = model.eval().to("meta")
    with torch.no_grad():
        model(torch.empty(1, 3, resolution, resolution, device="meta"))
    return {"params": params, "macs": macs}


if __name__ == "__main__":
    print(json.dumps([costs(spec) for spec in sys.argv[1:]]))
