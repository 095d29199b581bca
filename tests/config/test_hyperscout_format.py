"""hyperscout's own config file (keys are `ExperimentConfig`'s field names), format
detection, `config_from_dict` and `dump_config`."""

from __future__ import annotations

import dataclasses
import json

import pytest
import yaml

import hyperscout
from hyperscout.config import (
    ExperimentConfig,
    config_from_dict,
    detect_format,
    dump_config,
    load_config,
)
from hyperscout.errors import ConfigError

FULL = """
name: lenet-search
trial_command: python3 train.py --epochs 3
trial_code_directory: code
tuner:
  name: grid
  args: {}
scheduler:
  name: hyperband
  args: {max_epochs: 27, factor: 3}
assessor: median
assessor_args: {start_step: 2}
direction: minimize
max_trials: 20
max_duration: 1.5h
concurrency: 2
trial_timeout: 10m
max_failed_trials: 3
max_retries: {failed: 1, stale: 2}
gpus_per_trial: 1
gpu_indices: [0, 1]
max_trials_per_gpu: 2
seed: 7
search_space_file: space.json
"""


@pytest.fixture
def full_config(write, mnist_space, tmp_path):
    (tmp_path / "code").mkdir()
    write("space.json", json.dumps(mnist_space))
    return write("hyperscout.yml", FULL)


def test_every_field_loads(full_config, mnist_space, tmp_path):
    config = load_config(full_config)
    assert config == ExperimentConfig(
        search_space=mnist_space,
        trial_command="python3 train.py --epochs 3",
        trial_code_directory=str((tmp_path / "code").resolve()),
        name="lenet-search",
        tuner="grid",
        tuner_args={},
        scheduler="hyperband",
        scheduler_args={"max_epochs": 27, "factor": 3},
        assessor="median",
        assessor_args={"start_step": 2},
        direction="minimize",
        max_trials=20,
        max_duration=5400.0,
        concurrency=2,
        trial_timeout=600.0,
        max_failed_trials=3,
        max_retries={"failed": 1, "timeout": 0, "stale": 2},
        gpus_per_trial=1,
        gpu_indices=[0, 1],
        max_trials_per_gpu=2,
        seed=7,
        source=str(full_config.resolve()),
        format="hyperscout",
    )


def test_defaults_auto_tuner_and_the_config_files_folder(write, tmp_path):
    path = write(
        "exp.yml",
        """
        trial_command: python3 t.py
        search_space: {x: {_type: uniform, _value: [0, 1]}}
    """,
    )
    config = load_config(path)
    assert (config.tuner, config.tuner_args, config.direction) == ("auto", {}, "maximize")
    assert config.trial_code_directory == str(tmp_path.resolve())
    assert config.max_retries == {"failed": 0, "timeout": 0, "stale": 0}


def test_search_space_file_may_be_yaml(write):
    write(
        "space.yaml",
        """
        lr: {_type: loguniform, _value: [0.0001, 0.1]}
        # YAML allows comments, unlike search_space.json
        layers: {_type: choice, _value: [1, 2, 3]}
    """,
    )
    path = write(
        "exp.yml", "trial_function: mypkg.train:objective\nsearch_space_file: space.yaml\n"
    )
    config = load_config(path)
    assert config.trial_function == "mypkg.train:objective"
    assert config.search_space == {
        "lr": {"_type": "loguniform", "_value": [0.0001, 0.1]},
        "layers": {"_type": "choice", "_value": [1, 2, 3]},
    }


def test_tuner_args_may_be_given_beside_the_tuner_name(write):
    path = write(
        "exp.yml",
        """
        trial_command: python3 t.py
        search_space: {x: {_type: uniform, _value: [0, 1]}}
        tuner: TPE
        tuner_args: {n_startup_trials: 5}
        max_retries: 2
    """,
    )
    config = load_config(path)
    assert (config.tuner, config.tuner_args) == ("TPE", {"n_startup_trials": 5})
    assert config.max_retries == {"failed": 2, "timeout": 2, "stale": 2}


@pytest.mark.parametrize(
    ("tuner_lines", "message"),
    [
        (
            "tuner: {name: tpe, args: {a: 1}}\ntuner_args: {a: 1}\n",
            r"line 4: set the tuner's arguments once",
        ),
        (
            "tuner: {name: tpe, args: {seed: 1}}\n",
            r"line 3: `tuner.args.seed` cannot be a tuner argument: set `seed` at the top level",
        ),
        (
            "tuner_args: {direction: minimize}\n",
            r"line 3: `tuner_args.direction` cannot be a tuner argument",
        ),
        ("tuner: {args: {a: 1}}\n", r"line 3: `tuner.name` is missing"),
        ("tuner: {nam: tpe}\n", r"line 3: unknown field `tuner.nam`.*Did you mean `name`\?"),
    ],
)
def test_malformed_tuner_sections(write, tuner_lines, message):
    path = write(
        "exp.yml",
        "trial_command: python3 t.py\n"
        "search_space: {x: {_type: uniform, _value: [0, 1]}}\n" + tuner_lines,
    )
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_a_trial_is_required_and_only_one_kind(write):
    space = "search_space: {x: {_type: uniform, _value: [0, 1]}}\n"
    with pytest.raises(ConfigError, match=r"exp\.yml: no trial: set `trial_command`"):
        load_config(write("exp.yml", space))
    both = space + "trial_command: python3 t.py\ntrial_function: m:f\n"
    with pytest.raises(
        ConfigError,
        match=r"line 3: set only one of `trial_command` and "
        r"`trial_function`",
    ):
        load_config(write("exp.yml", both))


def test_trial_function_is_module_colon_name(write):
    path = write(
        "exp.yml",
        "trial_function: train.objective\nsearch_space: {x: {_type: uniform, _value: [0, 1]}}\n",
    )
    with pytest.raises(
        ConfigError,
        match=r"line 1: `trial_function` must be written "
        r"'package.module:function'",
    ):
        load_config(path)


def test_loader_set_fields_are_not_written_in_a_file(write):
    path = write("exp.yml", "trial_command: python3 t.py\nformat: nni-v2\n")
    with pytest.raises(ConfigError, match=r"line 2: unknown field `format`"):
        load_config(path)


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        ({"trial_command": "x", "search_space": {}}, "hyperscout"),
        ({"authorName": "me", "trial": {"command": "x"}}, "nni-v1"),
        ({"trainingServicePlatform": "local"}, "nni-v1"),
        ({"maxTrialNum": 3, "trialConcurrency": 1}, "nni-v1"),
        ({"trialCommand": "x"}, "nni-v2"),
        ({"maxExperimentDuration": "1h", "trainingService": {"platform": "local"}}, "nni-v2"),
        ({"experimentName": "only shared NNI fields"}, "nni-v2"),
        ({"maxTrialNum": 3, "maxTrialNumber": 3, "trialCommand": "x"}, "nni-v2"),  # one typo v1
    ],
)
def test_the_format_is_detected_from_the_fields_only_it_has(data, fmt):
    assert detect_format(data) == fmt


def test_a_file_mixing_two_formats_equally_is_rejected():
    with pytest.raises(
        ConfigError,
        match=r"cannot tell which format.*NNI v1 fields "
        r"\['maxTrialNum'\].*NNI v2 fields \['trialCommand'\]",
    ):
        detect_format({"trialCommand": "x", "maxTrialNum": 3})


def test_config_from_dict_reads_any_format_relative_to_base_dir(tmp_path, mnist_space):
    data = {
        "trialCommand": "python3 mnist.py",
        "searchSpaceFile": "search_space.json",
        "trialCodeDirectory": ".",
    }
    config = config_from_dict(data, source="from-api", base_dir=tmp_path)
    assert (config.format, config.source) == ("nni-v2", "from-api")
    assert config.search_space == mnist_space
    assert config.trial_code_directory == str(tmp_path.resolve())


def test_config_from_dict_does_not_share_or_change_the_callers_data(tmp_path):
    space = {"x": {"_type": "choice", "_value": [1, 2]}}
    data = {"trial_command": "t", "search_space": space, "tuner_args": {"a": 1}}
    config = config_from_dict(data, base_dir=tmp_path)
    config.search_space["x"]["_value"].append(3)
    assert space == {"x": {"_type": "choice", "_value": [1, 2]}}
    assert data["tuner_args"] == {"a": 1}


def test_config_from_dict_errors_name_the_source(tmp_path):
    with pytest.raises(ConfigError, match=r"^settings\.json: `concurrency` must be a whole number"):
        config_from_dict(
            {"trial_command": "t", "search_space": {"x": {}}, "concurrency": 0},
            source="settings.json",
            base_dir=tmp_path,
        )


def test_load_config_is_exported_from_the_package():
    assert hyperscout.load_config is load_config


# -- dump_config -----------------------------------------------------------------------------


def _without_origin(config: ExperimentConfig) -> ExperimentConfig:
    return dataclasses.replace(config, source=None, format="hyperscout")


def test_dump_round_trips_through_load(full_config, tmp_path):
    config = load_config(full_config)
    dumped = tmp_path / "dumped" / "again.yml"
    dumped.parent.mkdir()
    dumped.write_text(dump_config(config))
    assert _without_origin(load_config(dumped)) == _without_origin(config)


def test_dump_round_trips_a_function_trial_read_from_another_folder(write, tmp_path):
    config = load_config(
        write(
            "a/exp.yml",
            "trial_function: pkg.mod:run\nsearch_space: {x: {_type: uniform, _value: [0, 1]}}\n",
        )
    )
    dumped = write("b/exp.yml", dump_config(config))
    assert _without_origin(load_config(dumped)) == _without_origin(config)
    assert config.trial_code_directory == str((tmp_path / "a").resolve())


def test_dump_of_an_nni_config_is_a_hyperscout_file_with_the_same_meaning(
    write, mnist_space, tmp_path
):
    nni = load_config(
        write(
            "config.yml",
            """
        trialCommand: python3 mnist.py
        searchSpaceFile: search_space.json
        maxExperimentDuration: 1h
        tuner: {name: TPE, classArgs: {optimize_mode: minimize, seed: 1}}
    """,
        )
    )
    text = dump_config(nni)
    assert detect_format(yaml.safe_load(text)) == "hyperscout"
    assert _without_origin(config_from_dict(yaml.safe_load(text))) == _without_origin(nni)


def test_dump_is_readable_leaving_out_defaults_with_durations_in_units(full_config):
    text = dump_config(load_config(full_config))
    assert text.startswith("# hyperscout experiment config\n# read from ")
    lines = text.splitlines()
    assert "max_duration: 90m" in lines
    assert "trial_timeout: 10m" in lines
    assert "max_retries:" in lines  # not one count for all classes, so a mapping
    assert "    _value: [16, 32, 64, 128]" in lines  # short lists stay on one line
    assert lines[2] == "name: lenet-search"
    assert lines[-1].startswith("    _value")  # the search space comes last

    minimal = ExperimentConfig(
        search_space={"x": {"_type": "uniform", "_value": [0, 1]}}, trial_function="m:f"
    )
    assert yaml.safe_load(dump_config(minimal)) == {
        "trial_function": "m:f",
        "tuner": "auto",
        "direction": "maximize",
        "search_space": {"x": {"_type": "uniform", "_value": [0, 1]}},
    }


@pytest.mark.parametrize("text,fragment", [
    ("scheduler: {name: hyperband, colour: red}\n", "scheduler.colour"),
    ("scheduler: {args: {R: 9}}\n", "`scheduler.name` is missing"),
    ("scheduler: hyperband\nscheduler_args: {direction: maximize}\n",
     "cannot be a scheduler argument"),
    ("assessor: {name: median, args: {}}\nassessor_args: {start_step: 1}\n",
     "set the assessor's arguments once"),
    ("assessor_args: [1, 2]\n", "assessor_args"),
])
def test_scheduler_and_assessor_sections_name_what_is_wrong(write, text, fragment):
    path = write("exp.yml", "trial_command: python3 t.py\nsearch_space: {x: {_type: choice, "
                 "_value: [1, 2]}}\n" + text)
    with pytest.raises(ConfigError, match=fragment):
        load_config(path)


def test_the_defaults_are_fifo_without_an_assessor(write):
    path = write("exp.yml", "trial_command: python3 t.py\nsearch_space: {x: {_type: choice, "
                 "_value: [1, 2]}}\n")
    config = load_config(path)
    assert (config.scheduler, config.scheduler_args, config.assessor) == ("fifo", {}, None)
