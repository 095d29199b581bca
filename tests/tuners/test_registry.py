"""`create`, `register`, `available`: tuners by name, NNI and Keras aliases, custom classes."""

from __future__ import annotations

import sys
import textwrap

import pytest
import tuner_spaces

from hyperscout.errors import ConfigError
from hyperscout.tuners import GridTuner, RandomTuner, Tuner, _registry, available, create, register

NNI_X = {"x": {"_type": "choice", "_value": [1, 2, 3]}}


@pytest.fixture(autouse=True)
def builtin_registry():
    """Each test sees only the built-in tuners, whatever other code registered, and
    leaves the registry as it found it."""
    entries, lookup = dict(_registry._ENTRIES), dict(_registry._LOOKUP)
    builtin = {"random", "grid", "tpe", "evolution", "gp", "anneal", "auto"}
    _registry._ENTRIES.clear()
    _registry._ENTRIES.update((k, v) for k, v in entries.items() if k in builtin)
    _registry._LOOKUP.clear()
    _registry._LOOKUP.update((k, v) for k, v in lookup.items() if v in builtin)
    yield
    _registry._ENTRIES.clear(), _registry._ENTRIES.update(entries)
    _registry._LOOKUP.clear(), _registry._LOOKUP.update(lookup)


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A module `my_tuners` on sys.path with a good tuner, a non-tuner and an import error."""
    (tmp_path / "my_tuners.py").write_text(
        textwrap.dedent(
            """
            from hyperscout.tuners import Tuner

            class FirstChoice(Tuner):
                def __init__(self, space, *, direction="maximize", seed=None, greedy=True):
                    super().__init__(space, direction=direction, seed=seed)
                    self.greedy = greedy

                def _suggest(self, rng):
                    return self.space.defaults()

            class NotATuner:
                pass
            """
        )
    )
    (tmp_path / "broken_tuners.py").write_text("import does_not_exist_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "my_tuners"
    for name in ("my_tuners", "broken_tuners"):
        sys.modules.pop(name, None)


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("random", RandomTuner),
        ("Random", RandomTuner),  # NNI
        ("RandomSearch", RandomTuner),  # Keras Tuner
        ("RANDOM", RandomTuner),
        ("grid", GridTuner),
        ("GridSearch", GridTuner),  # NNI and Keras Tuner
        ("gridsearch", GridTuner),
    ],
)
def test_names_and_aliases_are_case_insensitive(name, cls):
    tuner = create(name, NNI_X)
    assert type(tuner) is cls


def test_create_passes_direction_and_seed():
    tuner = create("random", NNI_X, direction="minimize", seed=4)
    assert (tuner.direction, tuner.seed) == ("minimize", 4)
    assert tuner.ask().config == RandomTuner(NNI_X, seed=4).ask().config


def test_available_lists_the_canonical_names():
    assert available() == ["random", "grid", "tpe", "evolution", "gp", "anneal", "auto"]


@pytest.mark.parametrize(
    "name",
    ["SMAC", "BatchTuner", "NetworkMorphism", "MetisTuner",
     "PPOTuner", "DNGOTuner", "Hyperopt", "smac"],
)  # fmt: skip
def test_nni_tuners_not_yet_in_hyperscout_say_so(name):
    with pytest.raises(
        ConfigError,
        match=rf"tuner '{name}' is not available in this version of hyperscout; "
        r"available: random \(Random, RandomSearch\), grid \(GridSearch\), tpe \(TPE\), "
        r"evolution \(Evolution, RegularizedEvolutionTuner\), "
        r"gp \(GPTuner, BayesianOptimization\), anneal \(Anneal\), auto; "
        r"or give a custom tuner as 'package.module:ClassName'",
    ):
        create(name, NNI_X)


@pytest.mark.parametrize("name,scheduler", [("Hyperband", "hyperband"), ("BOHB", "bohb"),
                                            ("PBTTuner", "pbt")])
def test_scheduler_names_given_as_a_tuner_point_to_the_scheduler(name, scheduler):
    with pytest.raises(ConfigError, match=rf"is a scheduler, not a tuner: set `scheduler: {scheduler}`"):
        create(name, NNI_X)


def test_an_unknown_name_lists_what_is_available_and_what_nni_has():
    with pytest.raises(
        ConfigError,
        match=r"unknown tuner 'bayes'; available: random .*NNI and Keras Tuner tuners .*SMAC",
    ):
        create("bayes", NNI_X)


def test_an_unknown_option_names_the_option_and_the_tuner():
    with pytest.raises(
        ConfigError,
        match=r"tuner 'random' has no option 'optimize_mode'; its options are: \(none\)",
    ):
        create("Random", NNI_X, optimize_mode="maximize")


def test_register_adds_a_tuner_with_aliases_and_options():
    class Seeded(RandomTuner):
        def __init__(self, space, *, direction="maximize", seed=None, n_startup_trials=5):
            super().__init__(space, direction=direction, seed=seed)
            self.n_startup_trials = n_startup_trials

    register("seeded", Seeded, aliases=("SeededSearch",))
    assert create("SEEDEDSEARCH", NNI_X, n_startup_trials=2).n_startup_trials == 2
    assert "seeded" in available()
    with pytest.raises(
        ConfigError,
        match=r"tuner 'seeded' has no option 'gamma'; its options are: n_startup_trials",
    ):
        create("seeded", NNI_X, gamma=0.2)


def test_register_makes_an_nni_name_available():
    register("smac", RandomTuner, aliases=("SMAC",))
    assert isinstance(create("SMAC", NNI_X), RandomTuner)


def test_register_refuses_a_taken_name():
    with pytest.raises(
        ConfigError, match=r"the tuner name 'gridsearch' is already taken by 'grid'"
    ):
        register("mine", RandomTuner, aliases=("GridSearch",))
    assert "mine" not in available()


def test_register_refuses_a_name_with_a_colon():
    with pytest.raises(ConfigError, match=r"a tuner name must be non-empty without ':'"):
        register("pkg:Cls", RandomTuner)


def test_a_custom_class_is_imported_and_built(user_module):
    tuner = create(f"{user_module}:FirstChoice", NNI_X, seed=1, greedy=False)
    assert isinstance(tuner, Tuner) and tuner.greedy is False and tuner.seed == 1


def test_a_custom_class_option_is_checked(user_module):
    with pytest.raises(
        ConfigError,
        match=r"tuner 'my_tuners:FirstChoice' has no option 'eta'; its options are: greedy",
    ):
        create("my_tuners:FirstChoice", NNI_X, eta=3)


def test_a_custom_module_that_cannot_be_imported(user_module):
    with pytest.raises(
        ConfigError, match=r"cannot import module 'no_such_module' for tuner 'no_such_module:X'"
    ):
        create("no_such_module:X", NNI_X)
    with pytest.raises(
        ConfigError, match=r"cannot import module 'broken_tuners'.*does_not_exist_anywhere"
    ):
        create("broken_tuners:X", NNI_X)


def test_a_custom_attribute_that_is_missing(user_module):
    with pytest.raises(ConfigError, match=r"module 'my_tuners' has no attribute 'Missing'"):
        create("my_tuners:Missing", NNI_X)


def test_a_custom_class_must_subclass_tuner(user_module):
    with pytest.raises(
        ConfigError, match=r"'my_tuners:NotATuner' must be a subclass of hyperscout.tuners.Tuner"
    ):
        create("my_tuners:NotATuner", NNI_X)


@pytest.mark.parametrize("spec", [":Cls", "pkg.mod:", "pkg.mod:Cls:Extra"])
def test_a_malformed_custom_spec(spec):
    with pytest.raises(ConfigError, match=r"a custom tuner is written 'package.module:ClassName'"):
        create(spec, NNI_X)


def test_create_accepts_every_test_space():
    for build in tuner_spaces.FINITE.values():
        assert isinstance(create("grid", build()), GridTuner)
