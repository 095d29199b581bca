"""NNI v1 config files (``nnictl create --config config.yml`` before NNI 2.0) load unchanged."""

from __future__ import annotations

import re
import warnings

import pytest

from hyperscout.config import ConfigWarning, load_config
from hyperscout.errors import ConfigError

# NNI's examples/trials/mnist-pytorch/config.yml, v1 format, comments and all.
MNIST_V1 = """
authorName: default
experimentName: example_mnist
trialConcurrency: 1
maxExecDuration: 1h
maxTrialNum: 10
#choice: local, remote, pai
trainingServicePlatform: local
searchSpacePath: search_space.json
#choice: true, false
useAnnotation: false
tuner:
  #choice: TPE, Random, Anneal, Evolution, BatchTuner, MetisTuner, GPTuner
  #SMAC (SMAC should be installed through nnictl)
  builtinTunerName: TPE
  classArgs:
    #choice: maximize, minimize
    optimize_mode: maximize
trial:
  command: python3 mnist.py
  codeDir: .
  gpuNum: 0
"""

MINIMAL = """
trainingServicePlatform: local
searchSpacePath: search_space.json
trial:
  command: python3 mnist.py
  codeDir: .
"""


def test_nni_mnist_example_loads_every_field_without_warnings(write, mnist_space, tmp_path):
    path = write("config.yml", MNIST_V1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigWarning)
        config = load_config(path)
    assert config.format == "nni-v1"
    assert config.source == str(path.resolve())
    assert config.name == "example_mnist"
    assert config.concurrency == 1
    assert config.max_duration == 3600.0
    assert config.max_trials == 10
    assert config.search_space == mnist_space
    assert (config.tuner, config.tuner_args, config.direction) == ("TPE", {}, "maximize")
    assert config.trial_command == "python3 mnist.py"
    assert config.trial_code_directory == str(tmp_path.resolve())
    assert config.gpus_per_trial == 0


def test_paths_start_from_the_config_files_folder_not_the_working_directory(
    write, tmp_path, monkeypatch
):
    write("exp/spaces/space.yaml", "x: {_type: choice, _value: [1, 2]}\n")
    (tmp_path / "code").mkdir()
    path = write(
        "exp/config.yml",
        """
        trainingServicePlatform: local
        searchSpacePath: spaces/space.yaml
        trial:
          command: python3 run.py
          codeDir: ../code
    """,
    )
    monkeypatch.chdir(tmp_path / "code")
    config = load_config("../exp/config.yml")
    assert config.source == str(path.resolve())
    assert config.search_space == {"x": {"_type": "choice", "_value": [1, 2]}}
    assert config.trial_code_directory == str((tmp_path / "code").resolve())


def test_class_args_seed_sets_the_seed_and_the_other_args_go_to_the_tuner(write, mnist_space):
    path = write(
        "config.yml",
        MINIMAL
        + """
tuner:
  builtinTunerName: Random
  classArgs:
    optimize_mode: minimize
    seed: 42
    tpe_args: {n_startup_jobs: 5}
""",
    )
    config = load_config(path)
    assert config.tuner == "Random"
    assert config.direction == "minimize"
    assert config.seed == 42
    assert config.tuner_args == {"tpe_args": {"n_startup_jobs": 5}}


def test_tuner_names_are_passed_through_for_the_registry_to_resolve(write, mnist_space):
    path = write("config.yml", MINIMAL + "tuner:\n  builtinTunerName: NotARealTuner\n")
    assert load_config(path).tuner == "NotARealTuner"


def test_without_a_tuner_section_the_auto_tuner_maximizes(write, mnist_space):
    config = load_config(write("config.yml", MINIMAL))
    assert (config.tuner, config.direction, config.concurrency) == ("auto", "maximize", 1)


def test_local_config_and_gpu_num_set_the_gpu_fields(write, mnist_space):
    path = write(
        "config.yml",
        """
        trainingServicePlatform: local
        searchSpacePath: search_space.json
        maxTrialDuration: 90s
        trial:
          command: python3 mnist.py
          codeDir: .
          gpuNum: 1
        localConfig:
          gpuIndices: "0,2"
          maxTrialNumPerGpu: 2
          useActiveGpu: true
    """,
    )
    config = load_config(path)
    assert config.gpus_per_trial == 1
    assert config.gpu_indices == [0, 2]
    assert config.max_trials_per_gpu == 2
    assert config.trial_timeout == 90.0


def test_a_platform_other_than_local_warns_and_runs_locally(write, mnist_space):
    path = write(
        "config.yml",
        MINIMAL.replace("local", "remote")
        + """
machineList:
  - ip: 10.1.1.1
    username: bob
""",
    )
    with pytest.warns(ConfigWarning) as record:
        config = load_config(path)
    assert config.trial_command == "python3 mnist.py"
    assert len(record) == 1, "the remote settings are covered by the one platform warning"
    assert re.search(
        r"config\.yml, line 1: training service platform 'remote' is not "
        r"supported.*runs locally",
        str(record[0].message),
    )


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        (MINIMAL + "assessor:\n  className: MyAssessor\n", "assessor", 6),
        (MINIMAL + "multiPhase: true\n", "multiPhase", 6),
        (MINIMAL + "logDir: /tmp/nni-logs\n", "logDir", 6),
        (MINIMAL + "nniManagerIp: 10.0.0.1\n", "nniManagerIp", 6),
        (MINIMAL + "debug: true\n", "debug", 6),
        (MINIMAL + "versionCheck: false\n", "versionCheck", 6),
        (MINIMAL + "logLevel: trace\n", "logLevel", 6),
        (MINIMAL + "localConfig:\n  useActiveGpu: false\n", "localConfig.useActiveGpu", 7),
        (MINIMAL + "tuner:\n  builtinTunerName: TPE\n  gpuIndices: 1\n", "tuner.gpuIndices", 8),
        (MINIMAL + "  nasMode: classic_mode\n", "trial.nasMode", 6),
        (MINIMAL + "  memoryMB: 4096\n", "trial.memoryMB", 6),
        (MINIMAL + "remoteConfig:\n  reuse: true\n", "remoteConfig", 6),
    ],
)
def test_fields_hyperscout_does_not_support_yet_warn_naming_file_line_and_field(
    write, mnist_space, text, field, line
):
    path = write("config.yml", text)
    with pytest.warns(ConfigWarning, match=rf"config\.yml, line {line}: `{field}`"):
        load_config(path)


def test_fields_at_nni_defaults_ask_for_nothing_missing_and_do_not_warn(write, mnist_space):
    path = write(
        "config.yml",
        MINIMAL
        + """
useAnnotation: false
multiPhase: false
multiThread: false
debug: false
versionCheck: true
logLevel: info
localConfig:
  useActiveGpu: true
""",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigWarning)
        load_config(path)


def test_the_warning_points_at_the_code_that_loaded_the_config(write, mnist_space):
    path = write("config.yml", MINIMAL + "multiPhase: true\n")
    with pytest.warns(ConfigWarning, match="multiPhase") as record:
        load_config(path)
    assert record[0].filename == __file__


def test_use_annotation_warns_and_a_missing_search_space_says_to_write_one(write, mnist_space):
    path = write(
        "config.yml",
        """
        trainingServicePlatform: local
        useAnnotation: true
        trial:
          command: python3 mnist.py
          codeDir: .
    """,
    )
    with (
        pytest.warns(ConfigWarning, match=r"line 2: `useAnnotation`"),
        pytest.raises(ConfigError, match=r"no search space.*annotations.*not supported"),
    ):
        load_config(path)


def test_the_hyperband_advisor_becomes_the_hyperband_scheduler_over_random_configs(
        write, mnist_space):
    path = write(
        "config.yml",
        MINIMAL
        + """
advisor:
  builtinAdvisorName: Hyperband
  classArgs:
    optimize_mode: minimize
    R: 60
    eta: 3
    exec_mode: parallelism
assessor:
  builtinAssessorName: Medianstop
  classArgs:
    start_step: 5
""",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigWarning)  # a plain advisor is no conflict
        config = load_config(path)
    assert (config.tuner, config.direction) == ("random", "minimize")
    assert (config.scheduler, config.scheduler_args) == ("hyperband", {"R": 60, "eta": 3})
    # NNI judges once 5 reports are in; hyperscout's steps count those reports from 0
    assert (config.assessor, config.assessor_args) == ("median", {"start_step": 4})


def test_an_advisor_hyperscout_lacks_warns_and_its_optimize_mode_still_sets_the_direction(
        write, mnist_space):
    path = write(
        "config.yml",
        MINIMAL
        + """
advisor:
  className: my_advisor.Advisor
  classArgs:
    optimize_mode: minimize
""",
    )
    with pytest.warns(ConfigWarning, match=r"`advisor` \(my_advisor.Advisor\).*default `auto` tuner runs instead"):
        config = load_config(path)
    assert (config.tuner, config.direction, config.scheduler) == ("auto", "minimize", "fifo")


def test_a_custom_tuner_is_not_supported_yet(write, mnist_space):
    path = write(
        "config.yml",
        """
        trainingServicePlatform: local
        searchSpacePath: search_space.json
        trial:
          command: python3 mnist.py
          codeDir: .
        tuner:
          codeDir: /home/user/tuners
          classFileName: my_tuner.py
          className: MyTuner
    """,
    )
    with pytest.raises(ConfigError, match=r"line 9: custom NNI tuners .* not supported yet"):
        load_config(path)


def test_a_trial_section_is_required(write, mnist_space):
    path = write(
        "config.yml", "trainingServicePlatform: local\nsearchSpacePath: search_space.json\n"
    )
    with pytest.raises(ConfigError, match=r"config\.yml: no `trial` section"):
        load_config(path)


def test_a_trial_command_is_required(write, mnist_space):
    path = write("config.yml", MINIMAL.replace("  command: python3 mnist.py\n", ""))
    with pytest.raises(ConfigError, match=r"line 3: `trial.command` is missing"):
        load_config(path)


def test_the_bohb_advisor_maps_its_options(write, mnist_space):
    path = write("config.yml", MINIMAL + """
advisor:
  builtinAdvisorName: BOHB
  classArgs:
    optimize_mode: maximize
    min_budget: 1
    max_budget: 27
    eta: 3
    top_n_percent: 15
    min_points_in_model: 7
    random_fraction: 0.33
    num_samples: 64
""")
    with pytest.warns(ConfigWarning, match=r"num_samples.*ignored"):
        config = load_config(path)
    assert config.scheduler == "bohb" and config.tuner == "random"
    assert config.scheduler_args == {"min_budget": 1, "max_budget": 27, "eta": 3, "gamma": 0.15,
                                     "min_points": 7, "random_fraction": 0.33}
