"""NNI v2 config files (NNI 2.0 and later) load unchanged."""

from __future__ import annotations

import warnings

import pytest

from hyperscout.config import ConfigWarning, load_config
from hyperscout.errors import ConfigError

# NNI's examples/trials/mnist-pytorch/config.yml, v2 format.
MNIST_V2 = """
searchSpaceFile: search_space.json
trialCommand: python3 mnist.py
trialGpuNumber: 0
trialConcurrency: 1
maxTrialNumber: 10
tuner:
  name: TPE
  classArgs:
    optimize_mode: maximize
trainingService:
  platform: local
"""

MINIMAL = """\
searchSpaceFile: search_space.json
trialCommand: python3 mnist.py
"""


def test_nni_mnist_example_loads_every_field_without_warnings(write, mnist_space, tmp_path):
    path = write("config.yml", MNIST_V2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigWarning)
        config = load_config(path)
    assert config.format == "nni-v2"
    assert config.search_space == mnist_space
    assert config.trial_command == "python3 mnist.py"
    assert config.trial_code_directory == str(tmp_path.resolve())
    assert config.gpus_per_trial == 0
    assert (config.concurrency, config.max_trials) == (1, 10)
    assert (config.tuner, config.direction, config.tuner_args) == ("TPE", "maximize", {})


def test_every_mapped_field(write, mnist_space, tmp_path):
    (tmp_path / "src").mkdir()
    path = write(
        "config.yml",
        """
        experimentName: mnist-tpe
        searchSpaceFile: search_space.json
        trialCommand: python3 mnist.py --epochs 2
        trialCodeDirectory: src
        trialConcurrency: 4
        trialGpuNumber: 1
        maxExperimentDuration: 2d
        maxTrialNumber: 50
        maxTrialDuration: 600
        tuner:
          name: Random
          classArgs:
            optimize_mode: minimize
            seed: 7
            some_option: 3
        trainingService:
          platform: local
          gpuIndices: [0, 1]
          maxTrialNumberPerGpu: 2
          useActiveGpu: true
    """,
    )
    config = load_config(path)
    assert config.name == "mnist-tpe"
    assert config.trial_command == "python3 mnist.py --epochs 2"
    assert config.trial_code_directory == str((tmp_path / "src").resolve())
    assert (config.concurrency, config.gpus_per_trial) == (4, 1)
    assert (config.max_duration, config.max_trials, config.trial_timeout) == (172800.0, 50, 600.0)
    assert (config.tuner, config.direction, config.seed) == ("Random", "minimize", 7)
    assert config.tuner_args == {"some_option": 3}
    assert (config.gpu_indices, config.max_trials_per_gpu) == ([0, 1], 2)


@pytest.mark.parametrize(("written", "indices"), [('"0,1"', [0, 1]), ("3", [3]), ("[2]", [2])])
def test_gpu_indices_may_be_a_list_a_comma_string_or_one_number(
    write, mnist_space, written, indices
):
    path = write(
        "config.yml", MINIMAL + f"trainingService:\n  platform: local\n  gpuIndices: {written}\n"
    )
    assert load_config(path).gpu_indices == indices


def test_the_search_space_may_be_inline(write):
    path = write(
        "config.yml",
        """
        searchSpace:
          lr: {_type: loguniform, _value: [0.0001, 0.1]}
          layers: {_type: choice, _value: [1, 2]}
        trialCommand: python3 train.py
    """,
    )
    config = load_config(path)
    assert config.search_space == {
        "lr": {"_type": "loguniform", "_value": [0.0001, 0.1]},
        "layers": {"_type": "choice", "_value": [1, 2]},
    }


def test_a_platform_other_than_local_warns_and_runs_locally(write, mnist_space):
    path = write(
        "config.yml",
        MINIMAL
        + """\
trainingService:
  platform: remote
  machineList:
    - host: 10.1.1.1
      user: bob
""",
    )
    with pytest.warns(
        ConfigWarning,
        match=r"config\.yml, line 4: training service platform "
        r"'remote' is not supported.*runs locally.*`executor: ray`",
    ):
        config = load_config(path)
    assert config.gpu_indices is None


def test_a_hybrid_list_uses_the_local_entry_and_warns_about_the_others(write, mnist_space):
    path = write(
        "config.yml",
        MINIMAL
        + """\
trainingService:
  - platform: remote
    machineList: [{host: 10.1.1.1}]
  - platform: local
    gpuIndices: 1
""",
    )
    with pytest.warns(ConfigWarning, match=r"line 4: training service platform 'remote'"):
        config = load_config(path)
    assert config.gpu_indices == [1]


@pytest.mark.parametrize(
    ("extra", "field", "line"),
    [
        ("assessor:\n  className: my.Assessor\n", "assessor", 3),
        ("advisor:\n  className: my.Advisor\n", "advisor", 3),
        ("useAnnotation: true\n", "useAnnotation", 3),
        ("nniManagerIp: 10.0.0.1\n", "nniManagerIp", 3),
        ("experimentWorkingDirectory: ~/nni-experiments\n", "experimentWorkingDirectory", 3),
        ("debug: true\n", "debug", 3),
        ("logLevel: trace\n", "logLevel", 3),
        ("tunerGpuIndices: [0]\n", "tunerGpuIndices", 3),
        (
            "trainingService:\n  platform: local\n  useActiveGpu: false\n",
            "trainingService.useActiveGpu",
            5,
        ),
        (
            "trainingService:\n  platform: local\n  reuseMode: true\n",
            "trainingService.reuseMode",
            5,
        ),
    ],
)
def test_fields_hyperscout_does_not_support_yet_warn_naming_file_line_and_field(
    write, mnist_space, extra, field, line
):
    path = write("config.yml", MINIMAL + extra)
    with pytest.warns(ConfigWarning, match=rf"config\.yml, line {line}: `{field}`"):
        load_config(path)


def test_fields_at_nni_defaults_do_not_warn(write, mnist_space):
    path = write(
        "config.yml",
        MINIMAL
        + """\
useAnnotation: false
debug: false
logLevel: info
experimentType: hpo
trainingService:
  platform: local
  useActiveGpu: true
  reuseMode: false
""",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigWarning)
        load_config(path)


def test_a_tuner_given_as_a_bare_name_says_where_the_name_goes(write, mnist_space):
    path = write("config.yml", MINIMAL + "tuner: TPE\n")
    with pytest.raises(ConfigError, match=r"line 3: `tuner` must be a mapping.*`name: TPE`"):
        load_config(path)


def test_a_custom_tuner_is_not_supported_yet(write, mnist_space):
    path = write(
        "config.yml",
        MINIMAL
        + """\
tuner:
  className: my_tuner.MyTuner
  codeDirectory: tuners
""",
    )
    with pytest.raises(ConfigError, match=r"line 4: custom NNI tuners .* not supported yet"):
        load_config(path)


def test_trial_command_is_required(write, mnist_space):
    path = write("config.yml", "searchSpaceFile: search_space.json\ntrialConcurrency: 2\n")
    with pytest.raises(ConfigError, match=r"config\.yml: `trialCommand` is missing"):
        load_config(path)


def test_search_space_and_search_space_file_are_exclusive(write, mnist_space):
    path = write("config.yml", MINIMAL + "searchSpace:\n  x: {_type: choice, _value: [1]}\n")
    with pytest.raises(
        ConfigError,
        match=r"line 1: set only one of `searchSpace` and "
        r"`searchSpaceFile`",
    ):
        load_config(path)


def test_a_training_service_needs_a_platform(write, mnist_space):
    path = write("config.yml", MINIMAL + "trainingService:\n  gpuIndices: [0]\n")
    with pytest.raises(ConfigError, match=r"line 3: `trainingService.platform` is missing"):
        load_config(path)


@pytest.mark.parametrize("tuner, direction", [
    ("TPE", "minimize"), ("Anneal", "minimize"),  # NNI's hyperopt-based tuners minimize
    ("Evolution", "maximize"), ("GPTuner", "maximize"), ("Random", "maximize"),
])
def test_without_optimize_mode_the_direction_is_nnis_default_for_the_tuner(
        write, mnist_space, tuner, direction):
    config = load_config(write("config.yml", MINIMAL + f"tuner:\n  name: {tuner}\n"))
    assert config.direction == direction


@pytest.mark.parametrize("name, scheduler", [("Hyperband", "hyperband"), ("BOHB", "bohb")])
def test_hyperband_and_bohb_named_as_a_tuner_become_the_scheduler(
        write, mnist_space, name, scheduler):
    config = load_config(write("config.yml", MINIMAL + f"""
tuner:
  name: {name}
  classArgs:
    optimize_mode: minimize
    R: 9
    eta: 3
"""))
    assert (config.scheduler, config.scheduler_args) == (scheduler, {"R": 9, "eta": 3})
    assert (config.tuner, config.direction) == ("random", "minimize")


def test_nni_tuner_options_are_translated_and_its_implementation_knobs_dropped(
        write, mnist_space):
    with pytest.warns(ConfigWarning, match=r"TPE options \['gamma'\]"):  # NNI's counts
        tpe = load_config(write("config.yml", MINIMAL + """
tuner:
  name: TPE
  classArgs:
    optimize_mode: maximize
    tpe_args: {n_startup_jobs: 5, gamma: 0.2, prior_weight: 0.5}
"""))
    assert tpe.tuner_args == {"n_startup_trials": 5, "prior_weight": 0.5}
    with pytest.warns(ConfigWarning, match=r"line 6: GPTuner options \['utility', 'kappa'\] "
                                           r"tune NNI's implementation"):
        gp = load_config(write("config.yml", MINIMAL + """
tuner:
  name: GPTuner
  classArgs: {optimize_mode: maximize, utility: ei, kappa: 5, xi: 0, cold_start_num: 10}
"""))
    assert gp.tuner_args == {"xi": 0, "n_startup_trials": 10}


def test_nni_assessor_steps_count_reports_and_curvefitting_gets_nnis_defaults(
        write, mnist_space):
    median = load_config(write("config.yml", MINIMAL + """
assessor:
  name: Medianstop
  classArgs: {start_step: 2}
"""))
    assert median.assessor_args == {"start_step": 1}  # judged at the 2nd report, as in NNI
    curve = load_config(write("config.yml", MINIMAL + "assessor:\n  name: Curvefitting\n"))
    assert curve.assessor_args == {"epoch_num": 19, "start_step": 5}


def test_nnis_pbt_tuner_says_how_to_write_it_as_hyperscouts_scheduler(write, mnist_space):
    with pytest.raises(ConfigError, match=r"line 4: NNI's PBTTuner is hyperscout's `pbt` "
                                          r"scheduler.*scheduler: pbt"):
        load_config(write("config.yml", MINIMAL + "tuner:\n  name: PBTTuner\n"))


def test_a_tuner_without_optimize_mode_follows_the_assessors(write, mnist_space, tmp_path):
    config = load_config(write("config.yml", MINIMAL + """
tuner:
  name: TPE
assessor:
  name: Medianstop
  classArgs: {optimize_mode: maximize, start_step: 1}
"""))
    assert config.direction == "maximize"
    from hyperscout import Experiment

    Experiment.from_config(config, storage=tmp_path / "store")  # builds: they agree


def test_curvefitting_epoch_num_one_stays_valid(write, mnist_space):
    config = load_config(write("config.yml", MINIMAL + """
assessor:
  name: Curvefitting
  classArgs: {epoch_num: 1, start_step: 1}
"""))
    assert config.assessor_args == {"epoch_num": 1, "start_step": 0}


def test_an_advisor_section_alone_is_the_scheduler_without_warnings(write, mnist_space):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigWarning)
        config = load_config(write("config.yml", MINIMAL + """
advisor:
  name: Hyperband
  classArgs: {optimize_mode: maximize, R: 9, eta: 3}
"""))
    assert (config.tuner, config.scheduler, config.scheduler_args) == (
        "random", "hyperband", {"R": 9, "eta": 3})


def test_bohb_named_as_a_tuner_warns_at_the_tuner_and_about_a_second_advisor(
        write, mnist_space):
    with pytest.warns(ConfigWarning) as caught:
        config = load_config(write("config.yml", MINIMAL + """
tuner:
  name: BOHB
  classArgs: {optimize_mode: maximize, max_budget: 9, num_samples: 64}
advisor:
  name: Hyperband
"""))
    messages = [str(w.message) for w in caught]
    assert any("line 6" in m and "BOHB options ['num_samples']" in m for m in messages)
    assert any("`advisor` is ignored: the `tuner` section already names BOHB" in m
               for m in messages)
    assert config.scheduler == "bohb"
