"""A classifier as a plain ``tensor -> tensor`` module: what exporters, FLOP counters and CAM need.

``ImageClassifier(img, return_loss=False)`` returns numpy arrays per image (handy for
evaluation, opaque to tracing); ``ScoresModel`` returns the (N, num_classes) tensor itself.
"""
from torch import nn


class ScoresModel(nn.Module):
    """``forward(img) -> (N, C)`` class scores: softmax probabilities, or raw logits.

    mmcls' pytorch2onnx exports the softmax output of ``forward(return_loss=False)``;
    ``softmax=True`` does the same. Grad-CAM wants the logits (``softmax=False``).
    """

    def __init__(self, classifier, softmax=True):
        super().__init__()
        self.classifier = classifier
        self.softmax = softmax

    def forward(self, img):
        return self.classifier.simple_test(img, softmax=self.softmax, post_process=False)
