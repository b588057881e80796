"""The public API: exports and serialisation registration."""

import inspect

import keras
import pytest

import daekeras

PUBLIC_CLASSES = [
    name for name in daekeras.__all__ if inspect.isclass(getattr(daekeras, name, None))
]


def test_all_names_exist():
    missing = [name for name in daekeras.__all__ if not hasattr(daekeras, name)]
    assert missing == []
    assert len(set(daekeras.__all__)) == len(daekeras.__all__)
    assert daekeras.__all__ == sorted(daekeras.__all__)


def test_public_classes():
    assert {
        "DenoisingAutoencoder", "DenseTranspose", "HalfSumSquaredError", "MaskingNoise",
        "SaltAndPepperNoise", "SigmoidUniform", "SummedBinaryCrossentropy", "UnscaledDropout",
    } <= set(PUBLIC_CLASSES)


@pytest.mark.parametrize("name", PUBLIC_CLASSES)
def test_public_class_is_registered(name):
    cls = getattr(daekeras, name)
    assert keras.saving.get_registered_object(f"daekeras>{name}") is cls
    assert keras.saving.get_registered_name(cls) == f"daekeras>{name}"


@pytest.mark.parametrize("name", daekeras.__all__)
def test_public_names_have_docstrings(name):
    doc = inspect.getdoc(getattr(daekeras, name))
    assert doc and len(doc.splitlines()[0]) > 10

