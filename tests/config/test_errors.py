"""Every mistake in a config file is a `ConfigError` that names the file, the line, the
field and the fix."""

from __future__ import annotations

import pytest

from hyperscout.config import load_config
from hyperscout.errors import ConfigError, HyperscoutError

V2 = "trialCommand: python3 mnist.py\nsearchSpaceFile: search_space.json\n"
V1 = """\
trainingServicePlatform: local
searchSpacePath: search_space.json
trial:
  command: python3 mnist.py
  codeDir: .
"""
HYPERSCOUT = "trial_command: python3 mnist.py\nsearch_space_file: search_space.json\n"


def test_config_errors_are_value_errors_and_hyperscout_errors():
    assert issubclass(ConfigError, ValueError)
    assert issubclass(ConfigError, HyperscoutError)


# -- unknown fields: a typo names its line and the closest known field -------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            V2 + "maxTrialNumbr: 10\n",
            (
                r"config\.yml, line 3: unknown field `maxTrialNumbr` in this NNI v2 config\. "
                r"Did you mean `maxTrialNumber`\?"
            ),
        ),
        (
            V1 + "maxTrailNum: 10\n",
            (
                r"config\.yml, line 6: unknown field `maxTrailNum` in this NNI v1 config\. "
                r"Did you mean `maxTrialNum`\?"
            ),
        ),
        (
            HYPERSCOUT + "max_trail: 10\n",
            (
                r"config\.yml, line 3: unknown field `max_trail` in this hyperscout config\. "
                r"Did you mean `max_trials`\?"
            ),
        ),
        (
            V1 + "tuner:\n  builtinTunerNam: TPE\n",
            r"line 7: unknown field `tuner\.builtinTunerNam`.*Did you mean `builtinTunerName`\?",
        ),
        (
            V1.replace("  codeDir: .\n", "  codeDir: .\n  gpuNumber: 1\n"),
            r"line 6: unknown field `trial\.gpuNumber`.*Did you mean `gpuNum`\?",
        ),
        (
            V1 + "localConfig:\n  maxTrialNumberPerGpu: 2\n",
            r"line 7: unknown field `localConfig\.maxTrialNumberPerGpu`.*`maxTrialNumPerGpu`\?",
        ),
        (
            V2 + "trainingService:\n  platform: local\n  gpuIndice: [0]\n",
            r"line 5: unknown field `trainingService\.gpuIndice`.*Did you mean `gpuIndices`\?",
        ),
        (
            V2 + "tuner:\n  name: TPE\n  classArg: {}\n",
            r"line 5: unknown field `tuner\.classArg`.*Did you mean `classArgs`\?",
        ),
        (
            V2 + "zzz: 1\n",
            r"line 3: unknown field `zzz`.*The fields known here are: experimentName,",
        ),
    ],
)
def test_an_unknown_field_names_file_line_and_the_closest_known_field(
    write, mnist_space, text, message
):
    with pytest.raises(ConfigError, match=message):
        load_config(write("config.yml", text))


def test_a_field_of_the_other_nni_format_is_named_as_such(write, mnist_space):
    text = V2 + "maxTrialNumber: 5\nmaxTrialNum: 10\n"  # v2 wins by 3 fields to 1
    with pytest.raises(
        ConfigError,
        match=r"line 4: unknown field `maxTrialNum` in this NNI v2 "
        r"config\. Did you mean `maxTrialNumber`\? \(`maxTrialNum`"
        r" is a field of NNI v1 configs",
    ):
        load_config(write("config.yml", text))


# -- wrong values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line3", "message"),
    [
        (
            "trialConcurrency: two",
            r"line 3: `trialConcurrency` must be a whole number >= 1, but got 'two'\. For example",
        ),
        (
            "trialConcurrency: '2'",
            r"line 3: .*but got '2'\. Remove the quotes: `trialConcurrency: 2`",
        ),
        (
            "trialConcurrency: 0",
            r"line 3: `trialConcurrency` must be a whole number >= 1, but got 0",
        ),
        ("trialConcurrency: true", r"line 3: `trialConcurrency` must be a whole number"),
        ("trialConcurrency:", r"line 3: `trialConcurrency` must be .*but got nothing \(null\)"),
        ("maxTrialNumber: -5", r"line 3: `maxTrialNumber` must be a whole number >= 1, but got -5"),
        ("trialGpuNumber: 1.5", r"line 3: `trialGpuNumber` must be a whole number >= 0"),
        (
            "maxExperimentDuration: 1 hour",
            r"line 3: `maxExperimentDuration` must be a duration like 90, '90s', '30m'",
        ),
        ("maxTrialDuration: -10", r"line 3: `maxTrialDuration` must be > 0 seconds"),
        (
            "experimentName: 2024",
            (
                r"line 3: `experimentName` must be non-empty text, but got 2024\. "
                r"Quote it: `experimentName: \"2024\"`"
            ),
        ),
        (
            "tuner: {name: TPE, classArgs: {optimize_mode: Maximize}}",
            (
                r"line 3: `tuner\.classArgs\.optimize_mode` must be 'maximize' or 'minimize', but got "
                r"'Maximize'\. Write it in lower case: `maximize`"
            ),
        ),
        (
            "tuner: {name: TPE, classArgs: {seed: -1}}",
            r"line 3: `tuner\.classArgs\.seed` must be a whole number >= 0",
        ),
        (
            "trainingService: {platform: local, gpuIndices: '0,a'}",
            r"line 3: `trainingService\.gpuIndices` must list GPU indices, like \[0, 1\]",
        ),
        (
            "trainingService: {platform: local, gpuIndices: [0, 0]}",
            r"line 3: `trainingService\.gpuIndices` lists a GPU twice",
        ),
        ("trainingService: local", r"line 3: `trainingService` must be a mapping"),
    ],
)
def test_a_wrong_value_names_file_line_field_and_fix(write, mnist_space, line3, message):
    with pytest.raises(ConfigError, match=rf"config\.yml, {message}"):
        load_config(write("config.yml", V2 + line3 + "\n"))


def test_a_wrong_value_in_a_list_names_the_item_line(write, mnist_space):
    text = V2 + "trainingService:\n  platform: local\n  gpuIndices:\n    - 0\n    - -1\n"
    with pytest.raises(ConfigError, match=r"line 5: `trainingService\.gpuIndices` must list"):
        load_config(write("config.yml", text))


def test_a_trial_command_that_is_a_number_says_to_quote_it(write, mnist_space):
    with pytest.raises(ConfigError, match=r"line 1: `trialCommand` must be non-empty text"):
        load_config(write("config.yml", "trialCommand: 123\nsearchSpaceFile: search_space.json\n"))


# -- files and paths ---------------------------------------------------------------------------


def test_a_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match=r"config file 'nope\.yml' not found \(looked for "):
        load_config("nope.yml")


def test_a_missing_search_space_file_names_the_line_that_names_it(write, tmp_path):
    path = write("config.yml", "trialCommand: python3 mnist.py\nsearchSpaceFile: spaces/s.json\n")
    expected = str(tmp_path.resolve() / "spaces" / "s.json")
    with pytest.raises(
        ConfigError,
        match=rf"config\.yml, line 2: search space file "
        rf"'spaces/s\.json' not found \(looked for "
        rf"{expected}\)\. Fix the path; a relative one starts "
        rf"from the config file's folder",
    ):
        load_config(path)


def test_no_search_space_at_all(write):
    with pytest.raises(
        ConfigError,
        match=r"config\.yml: no search space: set `searchSpaceFile` "
        r"\(a JSON or YAML file\) or `searchSpace`",
    ):
        load_config(write("config.yml", "trialCommand: python3 mnist.py\n"))


def test_invalid_json_in_the_search_space_file_names_its_line(write):
    write("search_space.json", '{\n  "lr": {"_type": "choice",\n  "_value": [1, 2],}\n}\n')
    path = write("config.yml", V2)
    with pytest.raises(
        ConfigError,
        match=r"search_space\.json, line 3: invalid JSON: .*\(the "
        r"search space file named in .*config\.yml, line 2\)",
    ):
        load_config(path)


@pytest.mark.parametrize("space", ["[1, 2]", "{}", "'lr'"])
def test_a_search_space_must_be_a_non_empty_mapping(write, space):
    text = f"trialCommand: python3 mnist.py\nsearchSpace: {space}\n"
    with pytest.raises(
        ConfigError,
        match=r"line 2: a search space must be a non-empty mapping "
        r"of parameter names to their definitions",
    ):
        load_config(write("config.yml", text))


def test_a_missing_trial_code_directory(write, mnist_space):
    path = write("config.yml", V2 + "trialCodeDirectory: src\n")
    with pytest.raises(ConfigError, match=r"line 3: trial code directory 'src' does not exist"):
        load_config(path)


# -- YAML syntax -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "trialCommand: x\n\tsearchSpaceFile: s.json\n",
            r"line 2: invalid YAML: .*Indent with spaces, not tabs",
        ),
        (
            "trialCommand: python3 a.py\nsearchSpaceFile search_space.json\nmaxTrialNumber: 3\n",
            (
                r"line 2: invalid YAML: .*could not find expected ':' \(at line 3\)\. Write each field as "
                r"`key: value`"
            ),
        ),
        (
            "trialCommand: python3 a.py --lr: 1\n",
            r"line 1: invalid YAML: mapping values are not allowed here\. .*quote a value",
        ),
        (
            "trialCommand: x\ntrainingService: {platform: local\n",
            r"line 2: invalid YAML: while parsing a flow mapping",
        ),
        (
            "trialCommand: x\n---\ntrialCommand: y\n",
            r"line 2: invalid YAML: .*single document.*remove the extra `---`",
        ),
    ],
)
def test_invalid_yaml_names_the_line_to_fix(write, text, message):
    with pytest.raises(ConfigError, match=rf"config\.yml, {message}"):
        load_config(write("config.yml", text))


def test_a_field_set_twice_names_both_lines(write):
    text = "trialCommand: a\nsearchSpaceFile: s.json\ntrialCommand: b\n"
    with pytest.raises(ConfigError, match=r"line 3: `trialCommand` is set twice \(lines 1 and 3\)"):
        load_config(write("config.yml", text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"config\.yml: the config is empty"),
        ("# only a comment\n", r"config\.yml: the config is empty"),
        ("- trialCommand: x\n", r"config\.yml: a config must be a mapping .* top level is a list"),
    ],
)
def test_a_file_without_fields(write, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write("config.yml", text))


def test_a_file_mixing_nni_v1_and_v2_equally(write):
    with pytest.raises(
        ConfigError,
        match=r"config\.yml: cannot tell which format this config is "
        r"in: it has NNI v1 fields \['maxTrialNum'\]; NNI v2 "
        r"fields \['trialCommand'\]",
    ):
        load_config(write("config.yml", "trialCommand: x\nmaxTrialNum: 3\n"))


def test_keys_merged_with_yaml_merge_keys_load_and_errors_point_at_their_mapping(
    write, mnist_space
):
    merged = """
        searchSpaceFile: search_space.json
        trialCommand: python3 mnist.py
        tuner:
          <<: {name: TPE, classArgs: {optimize_mode: minimize}}
    """
    config = load_config(write("config.yml", merged))
    assert (config.tuner, config.direction) == ("TPE", "minimize")
    with pytest.raises(ConfigError, match=r"line 3: unknown field `tuner\.clasArgs`"):
        load_config(write("config.yml", merged.replace("classArgs", "clasArgs")))
