"""keras.utils.get_file (cache only, hashes, safe extraction) and plot_model/model_to_dot
(optional pydot + graphviz)."""

import hashlib
import io
import os
import sys
import tarfile
import types
import zipfile

import pytest

import tapeflow as tf

keras = tf.keras
URL = "https://example.org/files/data.txt"


@pytest.fixture
def cache(tmp_path):
    datasets = tmp_path / "datasets"
    datasets.mkdir()
    (datasets / "data.txt").write_bytes(b"hello")
    return tmp_path


def test_cached_file_is_returned_and_hash_checked(cache):
    expected = str(cache / "datasets" / "data.txt")
    assert keras.utils.get_file("data.txt", URL, cache_dir=cache) == expected
    assert keras.utils.get_file(origin=URL, cache_dir=cache) == expected
    sha256 = hashlib.sha256(b"hello").hexdigest()
    md5 = hashlib.md5(b"hello").hexdigest()
    assert keras.utils.get_file("data.txt", URL, cache_dir=cache, file_hash=sha256) == expected
    assert keras.utils.get_file("data.txt", URL, cache_dir=cache, md5_hash=md5) == expected
    with pytest.raises(ValueError, match="does not match the expected sha256"):
        keras.utils.get_file("data.txt", URL, cache_dir=cache, file_hash="0" * 64)


def test_missing_file_is_never_downloaded(cache, monkeypatch):
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("get_file tried the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(urllib.request, "urlretrieve", no_network)
    with pytest.raises(FileNotFoundError, match="Fetch https://example.org/files/other.txt"):
        keras.utils.get_file("other.txt", "https://example.org/files/other.txt", cache_dir=cache)
    with pytest.raises(FileNotFoundError, match="forced"):
        keras.utils.get_file("data.txt", URL, cache_dir=cache, force_download=True)
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        keras.utils.get_file("a/data.txt", URL, cache_dir=cache)
    with pytest.raises(ValueError, match="origin"):
        keras.utils.get_file("data.txt", cache_dir=cache)


def _tar_with_escapes(path):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in [("pkg/a.txt", b"A"), ("../evil.txt", b"E"), ("/abs.txt", b"B")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("pkg/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "../../../../etc/passwd"
        archive.addfile(link)


def test_archives_extract_without_leaving_the_directory(cache):
    _tar_with_escapes(cache / "datasets" / "pkg.tar.gz")
    with pytest.warns(UserWarning, match="Skipping invalid path"):
        out = keras.utils.get_file("pkg.tar.gz", URL, cache_dir=cache, extract=True)
    assert out == str(cache / "datasets" / "pkg_extracted")
    found = sorted(
        os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs
    )
    assert found == ["pkg/a.txt"]
    assert not (cache / "datasets" / "evil.txt").exists() and not (cache / "evil.txt").exists()
    with zipfile.ZipFile(cache / "datasets" / "z.zip", "w") as z:
        z.writestr("z/b.txt", "B")
        z.writestr("../zevil.txt", "E")
    with pytest.warns(UserWarning, match="zevil"):
        out = keras.utils.get_file("z.zip", URL, cache_dir=cache, extract=True)
    assert os.listdir(out) == ["z"] and not (cache / "datasets" / "zevil.txt").exists()
    leftovers = [n for n in os.listdir(cache / "datasets") if n.startswith(".extracting")]
    assert leftovers == []


class _FakePydot(types.ModuleType):
    """Just enough of pydot to record what model_to_dot draws."""

    class PydotException(Exception):
        pass

    class Dot:
        def __init__(self, **kwargs):
            self.nodes, self.edges, self.attrs = [], [], {}

        def set(self, key, value):
            self.attrs[key] = value

        def set_node_defaults(self, **kwargs):
            pass

        def add_node(self, node):
            self.nodes.append(node)

        def add_edge(self, edge):
            self.edges.append(edge)

        def get_edge(self, src, dst):
            return [e for e in self.edges if (e.src, e.dst) == (src, dst)]

        def create(self, *args, **kwargs):
            return b""

        def write(self, path, format="png"):
            with open(path, "w") as f:
                f.write(f"{format} {len(self.nodes)} nodes {len(self.edges)} edges")

    class Node:
        def __init__(self, name, label=""):
            self.name, self.label = name, label

        def set(self, key, value):
            pass

    class Edge:
        def __init__(self, src, dst):
            self.src, self.dst = src, dst

        def set(self, key, value):
            pass


def _model():
    a = keras.Input((4,), name="a")
    b = keras.Input((2,), name="b")
    h = keras.layers.Dense(3, activation="relu", name="hidden")(a)
    out = keras.layers.Concatenate(name="join")([h, b])
    return keras.Model([a, b], keras.layers.Dense(1, name="out")(out))


def test_model_to_dot_draws_the_functional_graph(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pydot", _FakePydot("pydot"))
    model = _model()
    dot = keras.utils.model_to_dot(model, show_shapes=True, show_layer_activations=True)
    names = {n.name: n.label for n in dot.nodes}
    by_layer = {layer.name: str(id(layer)) for layer in model.layers}
    assert set(names) == set(by_layer.values())
    edges = {(e.src, e.dst) for e in dot.edges}
    expected = {("a", "hidden"), ("hidden", "join"), ("b", "join"), ("join", "out")}
    assert edges == {(by_layer[s], by_layer[d]) for s, d in expected}
    hidden = names[by_layer["hidden"]]
    assert "<b>hidden</b> (Dense)" in hidden and "Activation: <b>relu</b>" in hidden
    assert "Output shape: <b>(None, 3)</b>" in hidden and "Input shape: <b>(None, 4)</b>" in hidden
    target = tmp_path / "model.svg"
    keras.utils.plot_model(model, to_file=target)
    assert target.read_text() == "svg 5 nodes 4 edges"
    seq = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    assert len(keras.utils.model_to_dot(seq).edges) == 1


def test_plot_model_without_pydot_names_what_to_install(monkeypatch):
    for name in ("pydot", "pydot_ng", "pydotplus"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails
    with pytest.raises(ImportError, match=r"You must install pydot \(`pip install pydot`\)"):
        keras.utils.plot_model(_model())


def test_plot_model_without_graphviz_names_it(monkeypatch):
    fake = _FakePydot("pydot")

    def no_dot_program(self, *args, **kwargs):
        raise OSError("dot not found")

    monkeypatch.setattr(fake.Dot, "create", no_dot_program)
    monkeypatch.setitem(sys.modules, "pydot", fake)
    with pytest.raises(ImportError, match="You must install graphviz"):
        keras.utils.plot_model(_model())
