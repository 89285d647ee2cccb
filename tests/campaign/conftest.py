"""Fixtures of the indicator tests: regions with nothing of the `world` fixture's in them."""

import pytest


# 千山区 and 台安县: the `world` fixture puts institutions of its own in 铁东区 and 铁西区 only.
@pytest.fixture
def qianshan(world):
    return world.regions["210311"]


@pytest.fixture
def taian(world):
    return world.regions["210321"]


@pytest.fixture
def lishan(world):
    """A district with nothing recorded: every denominator is empty."""
    return world.regions["210304"]


@pytest.fixture
def city(world):
    return world.regions["210300"]


@pytest.fixture
def user(world):
    return world.users["district"]
