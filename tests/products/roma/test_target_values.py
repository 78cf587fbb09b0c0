"""A target file names what a real instance holds: its values replace the specs' recipe names."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmqconform.emulator.server import EmulatorServer, ServerOptions
from cmqconform.errors import ConfigError
from cmqconform.session import Session
from cmqconform.spec import load_specs
from cmqconform.targets import load_target

AK, SK, TOKEN = "HPUAVALUES00000001", "values-secret-key-0000000000000000", "values-token"
API, ACTION = "roma.v2", "ShowMqsInstanceMessages"
ENV = {"TENCENTCLOUD_SECRET_ID": AK, "TENCENTCLOUD_SECRET_KEY": SK,
       "TENCENTCLOUD_SESSION_TOKEN": TOKEN}


def test_values_replace_the_recipe_names(tmp_path: Path) -> None:
    specs = load_specs()
    recipe = dict(specs.api(API).action(ACTION).recipe.values)
    with EmulatorServer({AK: SK}, options=ServerOptions(product="roma",
                                                        tokens={AK: TOKEN})) as url:
        path = tmp_path / "target.toml"
        path.write_text(f'name = "roma"\n[surfaces."{API}"]\nurl = "{url}"\n'
                        f'[surfaces."{API}".values]\ntopic = "{recipe["topic"]}-empty"\n',
                        encoding="utf-8")
        target = load_target(path, env=ENV, specs=specs)
        assert target.recipe_values(specs, API, ACTION)["topic"] == f"{recipe['topic']}-empty"
        with Session(specs, target) as session:
            empty = session.call(API, ACTION, recipe)
            assert empty.ok and empty.data["total"] == 0
            # A name that is not the recipe's (an unknown topic on purpose) is sent as given.
            unknown = session.call(API, ACTION, {**recipe, "topic": "cmqc-nowhere"})
            assert not unknown.ok and unknown.code == 400


def test_values_must_be_scalars(tmp_path: Path) -> None:
    path = tmp_path / "target.toml"
    path.write_text(f'url = "http://127.0.0.1:1"\n[surfaces."{API}".values]\n'
                    f'topic = {{a = 1}}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="values"):
        load_target(path, env=ENV)
