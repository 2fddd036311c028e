"""Channel shuffle (ShuffleNet, Zhang et al. 2017): let grouped convs talk to each other."""


def channel_shuffle(x, groups):
    """Interleave the channels of ``groups`` groups: (g, c/g) -> (c/g, g) -> flat.

    After a grouped conv every output group only saw its own input group; shuffling sends
    one channel of each group to every group of the next grouped conv.
    """
    n, c, h, w = x.shape
    if c % groups:
        raise ValueError(f'channel_shuffle: {c} channels do not split into {groups} groups')
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)
