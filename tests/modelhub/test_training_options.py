"""Training options as stored on a version: defaults, and bad values refused by name."""

import pytest

from core.errors import ApplicationError
from modelhub.services.training import TrainingOptions


def test_defaults_are_the_products_fine_tune_recipe():
    options = TrainingOptions.from_dict({})
    assert (options.epochs, options.steps_per_epoch) == (20, 100)
    assert (options.learning_rate, options.schedule) == (1e-3, "constant")


@pytest.mark.parametrize(
    ("values", "named"),
    [({"epochs": 0}, "epochs"), ({"schedule": "linear"}, "schedule"), ({"learning_rate": 0}, "learning_rate")],
)
def test_bad_options_are_refused_naming_the_option(values, named):
    with pytest.raises(ApplicationError, match=named):
        TrainingOptions.from_dict(values)


def test_unknown_keys_recorded_after_training_are_ignored_when_read_back():
    stored = {**TrainingOptions().as_dict(), "net_kwargs": {"width": 16}, "train_config": {"seed": 0}}
    assert TrainingOptions.from_dict(stored).net_kwargs == {"width": 16}
