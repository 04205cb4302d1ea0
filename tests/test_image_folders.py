"""Reading your own photos: class sub-folders and an unlabeled folder, tiny files written
here."""

import os

import keras
import numpy as np
import pytest

from keras_sslgan.datasets import image_folders


def write_image(path, colour, size=(10, 14)):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pixels = np.broadcast_to(np.asarray(colour, "uint8"), (*size, 3))
    keras.utils.save_img(path, pixels, scale=False)


@pytest.fixture
def photos(tmp_path):
    """cats/ (2 red images, one a level deeper), dogs/ (1 blue), a note, unlabeled/."""
    write_image(tmp_path / "labeled" / "cats" / "a.png", (200, 0, 0))
    write_image(tmp_path / "labeled" / "cats" / "deeper" / "b.jpg", (200, 0, 0))
    write_image(tmp_path / "labeled" / "dogs" / "c.png", (0, 0, 200))
    (tmp_path / "labeled" / "dogs" / "notes.txt").write_text("not an image")
    for i in range(3):
        write_image(tmp_path / "unlabeled" / f"part{i % 2}" / f"{i}.png", (0, 150, 0))
    return tmp_path


def test_class_folders_read_at_any_depth_resized_with_their_labels(photos):
    x, y, names = image_folders.load_labeled_folder(photos / "labeled", 8)
    assert names == ["cats", "dogs"] and y.tolist() == [0, 0, 1]
    assert x.shape == (3, 8, 8, 3) and x.dtype == np.uint8
    # A plain colour stays that colour through the resize (JPEG to within its loss).
    np.testing.assert_allclose(x[:, 4, 4].astype(int), [[200, 0, 0]] * 2 + [[0, 0, 200]], atol=3)
    x, y, names = image_folders.load_labeled_folder(photos / "labeled", (6, 4), ["dogs", "cats"])
    assert names == ["dogs", "cats"] and y.tolist() == [0, 1, 1] and x.shape == (3, 6, 4, 3)
    unlabeled = image_folders.load_unlabeled_folder(photos / "unlabeled", 8)
    assert unlabeled.shape == (3, 8, 8, 3) and np.all(np.abs(unlabeled[:, 4, 4, 1] - 150) <= 1)


def test_folders_that_would_train_on_nothing_name_the_folder_or_file(photos):
    load = image_folders.load_labeled_folder
    with pytest.raises(ValueError, match="`folder` must be a folder. Received: folder='.*nowhere'"):
        load(str(photos / "nowhere"), 8)
    write_image(photos / "one" / "only" / "a.png", (0, 0, 0))
    with pytest.raises(ValueError, match=r"at least 2. Received: .* sub-folders \['only'\]"):
        load(photos / "one", 8)
    os.makedirs(photos / "labeled" / "birds")
    with pytest.raises(ValueError, match="The class 'birds' has no images: .*birds"):
        load(photos / "labeled", 8)
    with pytest.raises(ValueError, match=r"`class_names` \['fish'\] have no sub-folder"):
        load(photos / "labeled", 8, ["cats", "fish"])
    (photos / "labeled" / "dogs" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="Cannot read the image '.*broken.png'"):
        load(photos / "labeled", 8, ["cats", "dogs"])
    os.makedirs(photos / "empty" / "inside")
    with pytest.raises(ValueError, match="`folder` holds no images .*empty"):
        image_folders.load_unlabeled_folder(photos / "empty", 8)
    with pytest.raises(ValueError, match=r"image_size=\(8, 0\)"):
        image_folders.load_unlabeled_folder(photos / "unlabeled", (8, 0))


def test_train_test_folders_keep_a_given_split_or_hold_out_a_seeded_fraction(tmp_path):
    for split, colour in [("train", (200, 0, 0)), ("test", (0, 0, 200))]:
        for name in ("cats", "dogs"):
            write_image(tmp_path / "given" / split / name / f"{name}.png", colour)
    (x, y), (x_test, y_test), names = image_folders.load_train_test_folders(tmp_path / "given", 4)
    assert names == ["cats", "dogs"] and y.tolist() == y_test.tolist() == [0, 1]
    assert np.all(x[:, 2, 2, 0] == 200) and np.all(x_test[:, 2, 2, 2] == 200)  # not mixed

    for i in range(8):  # 8 photos, the i-th of brightness 10 i, in two classes
        write_image(tmp_path / "one" / ("cats", "dogs")[i % 2] / f"{i}.png", (10 * i, 0, 0))
    split = image_folders.load_train_test_folders(tmp_path / "one", 4, seed=3)
    (x, y), (x_test, y_test), _ = split
    assert (len(x), len(x_test)) == (6, 2)  # a quarter held out
    train, test = set(x[:, 0, 0, 0].tolist()), set(x_test[:, 0, 0, 0].tolist())
    assert not train & test and train | test == {10 * i for i in range(8)}
    again = image_folders.load_train_test_folders(tmp_path / "one", 4, seed=3)
    np.testing.assert_array_equal(again[1][0], x_test)  # the seed fixes the held-out draw
    with pytest.raises(ValueError, match=r"`test_fraction` must be in \(0, 1\). Received: 1.5"):
        image_folders.load_train_test_folders(tmp_path / "one", 4, test_fraction=1.5)
