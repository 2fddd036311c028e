"""Any ``torchvision.models`` classifier as a backbone, through torch.fx feature extraction.

``TorchvisionBackbone('resnet18', out_indices=(-1,))`` traces the model, picks its stage
nodes (``layer1..4`` for ResNets, ``features.<i>`` for VGG/MobileNet/DenseNet/EfficientNet...)
and returns their outputs as a tuple, like every cls_lab backbone. Weights never download:
a weight name is looked up in the torch hub cache, else a clear error says where to put it.
"""
import os

import torch
import torchvision
from torchvision.models.feature_extraction import create_feature_extractor, get_graph_node_names

from cls_lab.errors import ArgumentError
from cls_lab.registry import MODELS

from ..bricks import BaseModule

_HEAD_NAMES = ('fc', 'classifier', 'head', 'heads', 'avgpool', 'flatten', 'dropout', 'aux_logits',
               'AuxLogits')


def hub_checkpoint_path(url):
    """Where torch.hub caches the file of ``url``: ``<hub dir>/checkpoints/<basename>``."""
    return os.path.join(torch.hub.get_dir(), 'checkpoints', os.path.basename(url.split('?')[0]))


def resolve_weights_file(name, weights):
    """Map ``weights`` ('DEFAULT', 'IMAGENET1K_V1', a path) to an existing local file."""
    if os.path.isfile(str(weights)):
        return str(weights)
    try:
        enum = torchvision.models.get_model_weights(name)
        entry = enum[weights] if weights != 'DEFAULT' else enum.DEFAULT
    except (KeyError, ValueError) as err:
        raise FileNotFoundError(f'TorchvisionBackbone({name!r}): weights={weights!r} is neither '
                                f'an existing file nor a weight name of {name}') from err
    path = hub_checkpoint_path(entry.url)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f'TorchvisionBackbone({name!r}): weights {weights!r} are not in the torch hub cache '
            f'and cls_lab never downloads. Put the file {os.path.basename(path)} (from '
            f'{entry.url}) at {path}')
    return path


def stage_nodes(model, name):
    """The candidate output nodes: ``features.<i>`` children, else top-level non-head children."""
    train_nodes, _ = get_graph_node_names(model)
    if hasattr(model, 'features') and isinstance(model.features, torch.nn.Sequential):
        wanted = [f'features.{n}' for n, _ in model.features.named_children()]
    else:
        wanted = [n for n, _ in model.named_children() if n not in _HEAD_NAMES]
    nodes = [n for n in wanted if n in train_nodes or any(t.startswith(n + '.') for t in train_nodes)]
    if not nodes:
        raise ArgumentError(f'TorchvisionBackbone: found no stage nodes in {name}; '
                            'pass return_nodes=[...] (see get_graph_node_names)')
    return nodes


@MODELS.register_module()
class TorchvisionBackbone(BaseModule):
    """Wrap ``torchvision.models.<name>``; forward returns the outputs at ``out_indices``."""

    def __init__(self, name, weights=None, out_indices=(-1,), return_nodes=None,
                 init_cfg=None, **kwargs):
        super().__init__(init_cfg)
        if name not in torchvision.models.list_models(module=torchvision.models):
            raise KeyError(f'TorchvisionBackbone: {name!r} is not a torchvision classification '
                           f'model; e.g. resnet18, vgg11, mobilenet_v2, densenet121, efficientnet_b0')
        model = torchvision.models.get_model(name, weights=None, **kwargs)
        if weights is not None:
            path = resolve_weights_file(name, weights)
            state = torch.load(path, map_location='cpu', weights_only=True)
            model.load_state_dict(state.get('state_dict', state))
        self.name = name
        self.nodes = list(return_nodes) if return_nodes else stage_nodes(model, name)
        picked = [self.nodes[i] for i in out_indices]
        self.out_names = picked
        self.body = create_feature_extractor(model, return_nodes={n: n for n in picked})

    def forward(self, x):
        feats = self.body(x)
        return tuple(feats[n] for n in self.out_names)
