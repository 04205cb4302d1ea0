"""Loading saved keras_sslgan models."""

import os
import zipfile

import keras


def load_model(filepath, **kwargs):
    """`keras.saving.load_model` for the models of keras_sslgan.

    Importing keras_sslgan registers its classes, which `keras.saving.load_model` needs
    (without the import it fails with "Could not locate class"); this function is that
    import and the load in one, and names a `.keras` file that is not a whole archive
    (a truncated copy, say), where Keras reports "File not found".

    Args:
        filepath: str or `os.PathLike`, a `.keras` file saved with `model.save`.
        **kwargs: `keras.saving.load_model` arguments (`compile`, `safe_mode`, ...).

    Returns:
        The model, compiled as it was saved.

    Example:
    ```python
    model = keras_sslgan.load_model("model.keras")
    model.predict(images)
    ```
    """
    path = os.fspath(filepath)
    if path.endswith(".keras") and os.path.isfile(path) and not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is not a whole .keras file: a .keras file is a zip archive, and this "
            f"one ({os.path.getsize(path)} bytes) has no end of archive (truncated, or "
            "another kind of file). Load an intact copy."
        )
    return keras.saving.load_model(filepath, **kwargs)
