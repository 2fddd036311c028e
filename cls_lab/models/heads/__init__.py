"""Classification heads (all registered in MODELS)."""
from .cls_head import ClsHead
from .linear_head import LinearClsHead
from .multi_label_head import MultiLabelClsHead, MultiLabelLinearClsHead
from .stacked_head import StackedLinearClsHead
from .deit_head import DeiTClsHead
from .vision_transformer_head import VisionTransformerClsHead

__all__ = ['ClsHead', 'LinearClsHead', 'MultiLabelClsHead', 'MultiLabelLinearClsHead',
           'StackedLinearClsHead',
           'DeiTClsHead', 'VisionTransformerClsHead']
