import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True, scope="session")
def _no_busy_machine_warning():
    """The first optimizer step warns when the machine is busy; CI machines often are, and
    the warning is about the user's threads, not a test's result (tests/backend checks it)."""
    from tapeflow.backend import threads

    threads._busy_warning["done"] = True
