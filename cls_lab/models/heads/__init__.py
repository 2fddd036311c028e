"""Classification heads (all registered in MODELS)."""
from .cls_head import ClsHead
from .linear_head import LinearClsHead
from .multi_label_head import MultiLabelClsHead, MultiLabelLinearClsHead
from .stacked_head import StackedLinearClsHead

__all__ = ['ClsHead', 'LinearClsHead', 'MultiLabelClsHead', 'MultiLabelLinearClsHead',
           'StackedLinearClsHead']
