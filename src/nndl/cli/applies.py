"""Which data options apply to which data, for ``train``, ``tune``, ``evaluate`` and
``predict`` alike: an option the data cannot use is refused, naming the option and what the
data is (it was ignored, exit 0, and the model was not what the command line said).

| option                                       | applies to                                   |
|----------------------------------------------|----------------------------------------------|
| --label, --header, --decimal, --drop-missing | table files (CSV, TSV)                       |
| --features, --drop                           | tables, arrays (.npz, .h5), named data sets, |
|                                              | the cat folder: not a folder of images       |
| --task                                       | files whose labels nndl reads (not a folder  |
|                                              | of images: its classes are its sub-folders)  |
| --image-size                                 | a folder of images (it resizes them as it    |
|                                              | reads them; images held as arrays are not    |
|                                              | resized)                                     |
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ..errors import NNDLError, shorten

TABLE, NAMED, CAT, FOLDER, IMAGE, ARRAYS = ("a table file", "a data set with its own labels",
                                            "the course's cat folder (arrays of images)",
                                            "a folder of images", "an image file",
                                            "a file of arrays")
"""What a data spec is (:func:`kind`), as messages say it."""


def kind(spec: "str | None") -> str:
    """What ``spec`` names: :data:`TABLE` (also a table's name that is no file: a mistyped
    one, which the read then reports not found), :data:`NAMED` (a built-in set or generator;
    None is breast_cancer), :data:`CAT`, :data:`FOLDER`, :data:`IMAGE` or :data:`ARRAYS`."""
    from ..datasets import IMAGE_SUFFIXES
    from ..datasets.spec import is_course_folder, is_named
    from ..datasets.tables import is_table

    if spec is None or is_named(spec):
        return NAMED
    p = Path(spec)
    if p.is_dir():
        return CAT if is_course_folder(p) else FOLDER
    if is_table(p):
        return TABLE
    return IMAGE if p.suffix.lower() in IMAGE_SUFFIXES else ARRAYS


_TAKES = {"--label": (TABLE,), "--header": (TABLE,), "--no-header": (TABLE,),
          "--decimal": (TABLE,), "--drop-missing": (TABLE,),
          "--features": (TABLE, ARRAYS, NAMED, CAT), "--drop": (TABLE, ARRAYS, NAMED, CAT),
          "--task": (TABLE, ARRAYS, NAMED, CAT), "--image-size": (FOLDER,)}
"""Each data option and the kinds of data (:func:`kind`) that use it."""

_WHAT = {"--label": "chooses a table file's label column",
         "--header": "is for table files (CSV, TSV)", "--no-header": "is for table files "
         "(CSV, TSV)", "--decimal": "is for table files (CSV, TSV)",
         "--drop-missing": "leaves out a table file's rows with a missing value",
         "--features": "chooses the columns of a table or the features of arrays",
         "--drop": "leaves out columns of a table or features of arrays",
         "--task": "says how to read the labels of a data file",
         "--image-size": "resizes the images of a folder as it reads them"}
"""What each option does, the first half of its refusal."""


def _given(s: dict) -> list[str]:
    """The data options ``s`` (settings, or a command's options by their dest) gives."""
    flags = [("label", "--label"), ("decimal", "--decimal"), ("drop_missing", "--drop-missing"),
             ("features", "--features"), ("drop", "--drop"), ("task", "--task"),
             ("image_size", "--image-size")]
    given = [flag for key, flag in flags  # (a label 0 is given: not `in (None, False)`)
             if s.get(key) is not None and s.get(key) is not False]
    if s.get("header") is not None:
        given.append("--header" if s["header"] else "--no-header")
    return given


def refuse_unused(given: Sequence[str], specs: Sequence["str | None"],
                  data: Any = None) -> None:
    """NNDLError for the first option of ``given`` (flags) that no data of ``specs`` uses
    (:data:`_TAKES`); ``data``: the data read (train), named as it names itself, its images'
    size said for ``--image-size`` (images held as arrays are not resized)."""
    kinds = [kind(s) for s in specs]
    images = getattr(data, "images", None)
    for flag in given:
        if any(k in _TAKES[flag] for k in kinds):
            continue
        what = shorten(str(getattr(data, "name", None) or specs[0] or "breast_cancer"), 80)
        why = f"{flag} {_WHAT[flag]}; {what} is {kinds[0]}"
        if flag == "--task" and kinds[0] == FOLDER:
            why += " (its classes are its sub-folders)"
        if flag == "--image-size" and images is not None:
            why += f", whose {images.shape[1]}x{images.shape[2]} images are not resized"
        raise NNDLError(why)


def check_train_options(s: dict, data: Any) -> None:
    """``nndl train`` (and ``tune``): NNDLError for a data option that ``s["data"]`` cannot
    use (the table above), and for --test-header / --test-decimal without a table --test.
    ``data``: the data read (its images, for the message)."""
    from .common import p_is_table

    refuse_unused(_given(s), [s["data"]], data)
    for key, flag in (("test_header", "--test-header"), ("test_decimal", "--test-decimal")):
        if s.get(key) is not None and not (s["test"] and p_is_table(s["test"])):
            flag = "--test-no-header" if s[key] is False else flag
            raise NNDLError(f"{flag} is for a table file given with --test; " + (
                f"{s['test']} is not one" if s["test"] else "no --test is given"))


def check_model_options(specs: Sequence[str], **options: Any) -> None:
    """``evaluate`` and ``predict``: NNDLError for ``options`` (``label``, ``drop``,
    ``drop_missing``, ``header``, ``decimal``, as the commands' own dests) that no input of
    ``specs`` uses: --label, --header, --decimal and --drop-missing only tables, --drop no
    folder or file of images."""
    refuse_unused(_given(options), list(specs))
