"""daekeras.collapse: starved classes and the squared-error gate."""

import numpy as np
import pytest

from daekeras.collapse import class_coverage
from daekeras.collapse import own_class_mean
from daekeras.collapse import starved_classes


def test_class_coverage_by_hand():
    np.testing.assert_allclose(class_coverage([0, 30, 10, 5], [10, 20, 10, 20]), [0.0, 1.5, 1.0, 0.25])


def test_starved_classes_threshold():
    predicted, true = [0, 3, 5, 10, 12], [10, 10, 10, 10, 10]
    assert starved_classes(predicted, true) == [0, 1]  # coverage 0, 0.3 < 0.5; 0.5 is not
    assert starved_classes(predicted, true, threshold=0.6) == [0, 1, 2]
    assert starved_classes(predicted, true, threshold=1.0) == [0, 1, 2]
    assert starved_classes([10, 10], [10, 10]) == []


def test_a_healthy_mnist_run_is_not_collapsed_and_a_dead_class_is():
    true = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    healthy = [1039, 1136, 958, 1040, 1015, 770, 1049, 1034, 984, 975]
    dead_three = [1248, 1176, 1193, 0, 1038, 1281, 981, 1020, 1035, 1028]
    assert starved_classes(healthy, true) == []
    assert starved_classes(dead_three, true) == [3]


@pytest.mark.parametrize(
    "predicted, true, match",
    [
        ([1, 2], [1, 2, 3], "same length"),
        ([1, 2], [1, 0], "at least once"),
        ([-1, 2], [1, 2], "non-negative"),
        ([], [], "non-empty"),
        ([[1, 2]], [[1, 2]], "rank 1"),
    ],
    ids=["lengths", "absent-class", "negative", "empty", "2-D"],
)
def test_class_coverage_rejects_bad_counts(predicted, true, match):
    with pytest.raises(ValueError, match=match):
        class_coverage(predicted, true)


@pytest.mark.parametrize("threshold", [0, -0.1, 1.5, True])
def test_starved_classes_rejects_bad_threshold(threshold):
    with pytest.raises(ValueError, match="threshold"):
        starved_classes([1, 2], [1, 2], threshold=threshold)


def test_own_class_mean_by_hand():
    z = np.array([[0.9, 0.1, 0.0], [0.8, 0.3, 0.5], [0.2, 0.6, 0.1]])
    np.testing.assert_allclose(own_class_mean(z, [0, 0, 1]), [0.85, 0.6, np.nan])
    np.testing.assert_allclose(own_class_mean(z, [0, 0, 1], n_classes=2), [0.85, 0.6])


def test_own_class_mean_of_the_gate_is_small_for_a_dead_unit():
    labels = np.repeat([0, 1], 50)
    z = np.where(np.eye(2)[labels] == 1, 0.8, 0.1)
    z[:, 1] = 0.002  # unit 1 answers ~0 everywhere, its own class included
    gate = own_class_mean(z * (1 - z), labels)
    assert gate[0] == pytest.approx(0.16)
    assert gate[1] == pytest.approx(0.002 * 0.998)


def test_own_class_mean_rejects_bad_input():
    with pytest.raises(ValueError, match="same number of rows"):
        own_class_mean(np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="labels"):
        own_class_mean(np.zeros((2, 2)), [0, 2])
    with pytest.raises(ValueError, match="n_classes"):
        own_class_mean(np.zeros((2, 2)), [0, 1], n_classes=3)
    with pytest.raises(ValueError, match="rank 2"):
        own_class_mean(np.zeros(4), [0, 1, 0, 1])
