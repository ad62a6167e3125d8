"""tapeflow.datasets.heart_failure: the packaged CSV, its raw table, the tutorial's split and
scaling (statistics from the training part only), and clear errors for bad CSV files."""

import hashlib
import importlib.resources
import pathlib

import numpy as np
import pytest

from tapeflow.datasets import heart_failure

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED_CSV = REPO.parent / "shared" / "data" / "heart.csv"
HEART_SHA256 = "948420b084d8a3a0ca42b8419fce9aee175879e43f8aedf712377899a67aa49b"
HEADER = (
    "Age,Sex,ChestPainType,RestingBP,Cholesterol,FastingBS,RestingECG,MaxHR,ExerciseAngina,"
    "Oldpeak,ST_Slope,HeartDisease"
)
ROWS = [
    "40,M,ATA,140,289,0,Normal,172,N,0,Up,0",
    "49,F,NAP,160,180,0,Normal,156,N,1,Flat,1",
    "37,M,ATA,130,283,0,ST,98,N,0,Up,0",
    "48,F,ASY,138,214,0,Normal,108,Y,1.5,Flat,1",
]


@pytest.fixture(scope="module")
def table():
    return heart_failure.load_data()


def write_csv(tmp_path, header=HEADER, rows=ROWS, name="heart.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


# ---- the packaged file -------------------------------------------------------------------------


def test_the_packaged_csv_is_the_distributed_file_byte_for_byte():
    data = importlib.resources.files("tapeflow.datasets").joinpath("heart.csv").read_bytes()
    assert len(data) == 35921
    assert hashlib.sha256(data).hexdigest() == HEART_SHA256
    if SHARED_CSV.is_file():
        assert data == SHARED_CSV.read_bytes()


def test_the_odbl_attribution_ships_next_to_it():
    notice = importlib.resources.files("tapeflow.datasets").joinpath("heart.csv.LICENSE.md")
    text = notice.read_text()
    for words in ("Open Database License (ODbL) v1.0", "fedesoriano", "Heart Failure Prediction"):
        assert words in text


# ---- the raw table -----------------------------------------------------------------------------


def test_raw_table_columns_dtypes_and_shape(table):
    assert list(table) == HEADER.split(",")
    assert all(column.shape == (918,) for column in table.values())
    for name, dtype in heart_failure.COLUMNS.items():
        if dtype is np.str_:
            assert table[name].dtype.kind == "U", name
        else:
            assert table[name].dtype == dtype, name
    assert table["Oldpeak"].dtype == np.float64 and table["Age"].dtype == np.int64


def test_raw_table_content_facts_of_the_readme(table):
    def counts(name):
        values, n = np.unique(table[name], return_counts=True)
        return dict(zip(values.tolist(), n.tolist()))

    assert counts("HeartDisease") == {0: 410, 1: 508}
    assert counts("Sex") == {"M": 725, "F": 193}
    assert counts("ChestPainType") == {"ASY": 496, "NAP": 203, "ATA": 173, "TA": 46}
    assert counts("RestingECG") == {"Normal": 552, "LVH": 188, "ST": 178}
    assert counts("ST_Slope") == {"Flat": 460, "Up": 395, "Down": 63}
    assert counts("ExerciseAngina") == {"N": 547, "Y": 371}
    assert counts("FastingBS") == {0: 704, 1: 214}
    means = {"Age": 53.5109, "RestingBP": 132.3965, "Cholesterol": 198.7996, "MaxHR": 136.8094}
    for name, mean in {**means, "Oldpeak": 0.8874}.items():
        assert table[name].mean() == pytest.approx(mean, abs=5e-5), name
    assert (table["Cholesterol"] == 0).sum() == 172 and (table["RestingBP"] == 0).sum() == 1
    first = [str(table[c][0]) for c in table]
    last = [str(table[c][-1]) for c in table]
    assert first == "40 M ATA 140 289 0 Normal 172 N 0.0 Up 0".split()
    assert last == "38 M NAP 138 175 0 Normal 173 N 0.0 Up 0".split()
    assert table["Oldpeak"].min() == -2.6 and table["Oldpeak"].max() == 6.2


# ---- the tutorial's arrays ---------------------------------------------------------------------


def test_tutorial_split_shapes_dtypes_and_feature_names():
    data = heart_failure.load_tutorial_split()
    assert data.x_train.shape == (734, 20) and data.x_val.shape == (184, 20)
    assert data.y_train.shape == (734, 1) and data.y_val.shape == (184, 1)
    for array in data[:4] + data[5:]:
        assert array.dtype == np.float32
    assert data.feature_names[:6] == (
        "Age",
        "RestingBP",
        "Cholesterol",
        "FastingBS",
        "MaxHR",
        "Oldpeak",
    )
    assert data.feature_names[6:9] == ("Sex_F", "Sex_M", "ChestPainType_ASY")
    assert data.feature_names[-3:] == ("ST_Slope_Down", "ST_Slope_Flat", "ST_Slope_Up")
    assert data.y_train.sum() + data.y_val.sum() == 508
    assert set(np.unique(data.y_train)) == {0.0, 1.0}


def test_tutorial_split_is_a_seeded_shuffle_and_a_partition(table):
    data = heart_failure.load_tutorial_split(seed=7)
    again = heart_failure.load_tutorial_split(seed=7)
    other = heart_failure.load_tutorial_split(seed=8)
    np.testing.assert_array_equal(data.x_train, again.x_train)
    assert not np.array_equal(data.x_train, other.x_train)
    # Undo the scaling: the rows are those of the file, each exactly once.
    x = np.concatenate([data.x_train, data.x_val]) * data.std + data.mean
    order = np.random.default_rng(7).permutation(918)
    np.testing.assert_allclose(x[:, 0], table["Age"][order], atol=1e-4)
    np.testing.assert_allclose(x[:, 5], table["Oldpeak"][order], atol=1e-5)
    sex_m = data.feature_names.index("Sex_M")
    np.testing.assert_array_equal(x[:, sex_m], table["Sex"][order] == "M")
    y = np.concatenate([data.y_train, data.y_val])[:, 0]
    np.testing.assert_array_equal(y, table["HeartDisease"][order])


def test_scaling_statistics_come_from_the_training_part_only(table):
    data = heart_failure.load_tutorial_split(seed=3)
    train_rows = np.random.default_rng(3).permutation(918)[:734]
    for name in heart_failure.SCALED:
        i = data.feature_names.index(name)
        raw_train = table[name][train_rows].astype(np.float64)
        assert data.mean[i] == pytest.approx(raw_train.mean(), rel=1e-6)
        assert data.std[i] == pytest.approx(raw_train.std(), rel=1e-6)  # population std
        assert data.mean[i] != pytest.approx(table[name].mean(), rel=1e-6)  # not the whole table
        assert data.x_train[:, i].mean() == pytest.approx(0.0, abs=1e-5)
        assert data.x_train[:, i].std() == pytest.approx(1.0, abs=1e-5)
        assert abs(data.x_val[:, i].mean()) > 1e-4  # validation rows did not set the scale
    unscaled = [n for n in data.feature_names if n not in heart_failure.SCALED]
    for name in unscaled:  # FastingBS and the one-hot columns stay 0/1
        i = data.feature_names.index(name)
        assert (data.mean[i], data.std[i]) == (0.0, 1.0)
        assert set(np.unique(data.x_train[:, i])) <= {0.0, 1.0}


def test_tutorial_split_from_a_small_csv_and_split_sizes(tmp_path):
    path = write_csv(tmp_path)
    data = heart_failure.load_tutorial_split(validation_split=0.5, seed=0, path=path)
    assert data.x_train.shape == (2, 20) and data.x_val.shape == (2, 20)
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="validation_split must be in"):
            heart_failure.load_tutorial_split(validation_split=bad, path=path)
    with pytest.raises(ValueError, match="leaves 0 training and 4 validation rows"):
        heart_failure.load_tutorial_split(validation_split=0.9, path=path)


# ---- bad CSV files -----------------------------------------------------------------------------


def test_a_missing_column_is_named_with_the_file(tmp_path):
    header = HEADER.replace(",Cholesterol", "")
    rows = [",".join(r.split(",")[:4] + r.split(",")[5:]) for r in ROWS]
    path = write_csv(tmp_path, header, rows, name="no_chol.csv")
    with pytest.raises(ValueError, match=r"no_chol\.csv: missing column\(s\) \['Cholesterol'\]"):
        heart_failure.load_data(path)
    with pytest.raises(ValueError, match="no_chol.csv: missing column"):
        heart_failure.load_tutorial_split(path=path)


def test_a_label_outside_the_classes_names_file_column_and_line(tmp_path):
    rows = ROWS[:2] + ["37,M,ATA,130,283,0,ST,98,N,0,Up,2"] + ROWS[3:]
    path = write_csv(tmp_path, rows=rows, name="labels.csv")
    with pytest.raises(
        ValueError,
        match=r"labels\.csv: column 'HeartDisease', line 4: label 2 is not one of the classes",
    ):
        heart_failure.load_data(path)


@pytest.mark.parametrize(
    "row, expected",
    [
        (
            "4x,M,ATA,140,289,0,Normal,172,N,0,Up,0",
            r"column 'Age', line 3: '4x' is not an integer",
        ),
        ("40,M,ATA,140,289,0,Normal,172,N,one,Up,0", r"column 'Oldpeak', line 3: 'one' is not a"),
        ("40,M,ATA,140,289,0,Normal,172,N,0,Up", r"line 3 has 11 fields, the header has 12"),
        ("40,M,ATA,140,289,0,Normal,172,N,0,Up,", r"column 'HeartDisease', line 3: '' is not an"),
    ],
    ids=["bad int", "bad float", "ragged row", "empty label"],
)
def test_a_malformed_row_names_file_line_and_column(tmp_path, row, expected):
    path = write_csv(tmp_path, rows=[ROWS[0], row], name="rows.csv")
    with pytest.raises(ValueError, match=rf"rows\.csv: {expected}"):
        heart_failure.load_data(path)


def test_an_unknown_category_is_named_by_the_encoder(tmp_path):
    path = write_csv(tmp_path, rows=ROWS + ["50,X,ATA,140,289,0,Normal,172,N,0,Up,1"])
    heart_failure.load_data(path)  # the raw table keeps whatever the file holds
    with pytest.raises(ValueError, match=r"column 'Sex' has unknown categories \['X'\]"):
        heart_failure.load_tutorial_split(path=path)


def test_empty_and_header_only_files(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match=r"empty\.csv: empty file"):
        heart_failure.load_data(tmp_path / "empty.csv")
    with pytest.raises(ValueError, match=r"header\.csv: no data rows"):
        heart_failure.load_data(write_csv(tmp_path, rows=[], name="header.csv"))
    with pytest.raises(FileNotFoundError):
        heart_failure.load_data(tmp_path / "absent.csv")
