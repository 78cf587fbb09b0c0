"""A target file names what a real instance holds: its values replace the specs' recipe names."""

from __future__ import annotations

import sys
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


def test_seed_command_runs_once_before_the_run(tmp_path: Path) -> None:
    from cmqconform.targets import run_seeds

    marker = tmp_path / "seeded"
    path = tmp_path / "target.toml"
    path.write_text(f'[surfaces."{API}"]\nurl = "http://127.0.0.1:1"\n'
                    f'seed = ["{sys.executable}", "-c", '
                    f'"import pathlib; pathlib.Path(\'seeded\').write_text(\'ok\')"]\n',
                    encoding="utf-8")
    target = load_target(path, env=ENV)
    run_seeds(target, ["cmq.v3"])  # not a surface of the run: not seeded
    assert not marker.exists()
    run_seeds(target, [API])
    assert marker.read_text() == "ok"  # ran in the target file's folder


def test_failing_seed_is_one_error(tmp_path: Path) -> None:
    from cmqconform.targets import run_seeds

    path = tmp_path / "target.toml"
    path.write_text(f'[surfaces."{API}"]\nurl = "http://127.0.0.1:1"\n'
                    f'seed = ["{sys.executable}", "-c", "import sys; sys.exit(\'no instance\')"]\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"seed command of roma.v2 .* exited 1: no instance"):
        run_seeds(load_target(path, env=ENV), [API])
    path.write_text(f'url = "http://127.0.0.1:1"\n[surfaces."{API}"]\nseed = "make seed"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="seed"):
        load_target(path, env=ENV)
