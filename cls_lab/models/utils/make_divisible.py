"""Channel rounding used by the mobile networks (MobileNet, EfficientNet, ShuffleNet, SE)."""


def make_divisible(value, divisor, min_value=None, min_ratio=0.9):
    """Round ``value`` to the nearest multiple of ``divisor`` (at least ``min_value``).

    If rounding down would lose more than ``1 - min_ratio`` of the channels, round up instead:
    ``make_divisible(37, 8) == 40``, ``make_divisible(4, 8) == 8``.
    """
    min_value = divisor if min_value is None else min_value
    new_value = max(min_value, int(value + divisor / 2) // divisor * divisor)
    return new_value + divisor if new_value < min_ratio * value else new_value
