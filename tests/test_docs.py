"""Generated documentation must match the code."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_api_list_is_up_to_date():
    spec = importlib.util.spec_from_file_location(
        "gen_api_docs", ROOT / "tools" / "gen_api_docs.py"
    )
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    current = (ROOT / "docs" / "api.md").read_text()
    assert current == gen.render(), "docs/api.md is stale: run `python tools/gen_api_docs.py`"
