"""NNI's v1 config file (``nnictl create --config config.yml`` before NNI 2.0): camelCase
keys, a `trial` section and `trainingServicePlatform`. The schema lists every field NNI
v1 knows for the local platform, and the other platforms' sections, so that a typo is
told apart from a field hyperscout merely does not support."""

from __future__ import annotations

from typing import Any

from ._common import build, code_directory, search_space
from ._document import Document
from ._fields import (
    Field,
    Ignored,
    Schema,
    Special,
    Unsupported,
    duration,
    gpu_indices,
    read_fields,
    text,
    whole,
)
from ._model import ExperimentConfig
from ._nni import (
    PLATFORM_ONLY,
    advisor_section,
    check_platform,
    default_direction,
    read_assessor_and_advisor,
    read_tuner,
)

LABEL = "NNI v1"

# The sections that configure the other training services.
_PLATFORM_SECTIONS = (
    "remoteConfig",
    "machineList",
    "paiConfig",
    "paiYarnConfig",
    "kubeflowConfig",
    "frameworkcontrollerConfig",
    "dltsConfig",
    "amlConfig",
    "adlConfig",
    "hybridConfig",
    "dlcConfig",
)
# Keys of `trial` that only the other training services read.
_PLATFORM_TRIAL_KEYS = (
    "cpuNum",
    "memoryMB",
    "image",
    "virtualCluster",
    "shmMB",
    "nniManagerNFSMountPath",
    "containerNFSMountPath",
    "paiStorageConfigName",
    "paiConfigPath",
    "authFile",
    "portList",
    "worker",
    "ps",
    "master",
    "taskRoles",
    "namespace",
    "adaptive",
    "checkpoint",
    "nodeCount",
)

SCHEMA: Schema = {
    "authorName": Ignored(),
    "description": Ignored(),
    "experimentName": Field("name", text),
    "trialConcurrency": Field("concurrency", whole(1)),
    "maxExecDuration": Field("max_duration", duration),
    "maxTrialNum": Field("max_trials", whole(1)),
    "maxTrialDuration": Field("trial_timeout", duration),
    "trainingServicePlatform": Special(),
    "searchSpacePath": Special(),
    "useAnnotation": Unsupported(
        "(NNI annotations in the trial code) is not supported yet and is ignored; write the "
        "search space to a file and name it in `searchSpacePath`.",
        harmless=(False,),
    ),
    "multiPhase": Unsupported(harmless=(False,)),
    "multiThread": Unsupported(harmless=(False,)),
    "nniManagerIp": Unsupported(),
    "logDir": Unsupported(
        "is not supported yet and is ignored: hyperscout keeps experiments "
        "under $HYPERSCOUT_HOME (default ~/.hyperscout)."
    ),
    "logLevel": Unsupported(harmless=("info",)),
    "logCollection": Unsupported(),
    "debug": Unsupported(harmless=(False,)),
    "versionCheck": Unsupported(harmless=(True,)),
    "tuner": Special(),
    "assessor": Special(),
    "advisor": Special(),
    "trial": Special(),
    "localConfig": Special(),
    "sharedStorage": Unsupported(),
    **dict.fromkeys(_PLATFORM_SECTIONS, Unsupported(PLATFORM_ONLY)),
}

TRIAL: Schema = {
    "command": Field("trial_command", text),
    "codeDir": Special(),
    "gpuNum": Field("gpus_per_trial", whole(0)),
    "nasMode": Unsupported(),
}

LOCAL_CONFIG: Schema = {
    "gpuIndices": Field("gpu_indices", gpu_indices),
    "maxTrialNumPerGpu": Field("max_trials_per_gpu", whole(1)),
    "useActiveGpu": Unsupported(
        "is not supported yet: hyperscout does not check whether another process is using "
        "a GPU, so trials get the GPUs in `gpuIndices` whether they are busy or not.",
        harmless=(True,),
    ),
}

TUNER: Schema = {
    "builtinTunerName": Special(),
    "classArgs": Special(),
    "className": Special(),
    "classFileName": Special(),
    "codeDir": Special(),
    "gpuIndices": Unsupported("(GPUs for the tuner) is not supported yet and is ignored."),
    "includeIntermediateResults": Unsupported(harmless=(False,)),
}


def read(doc: Document, data: dict[str, Any], *, elsewhere: dict[str, str]) -> ExperimentConfig:
    """An `ExperimentConfig` from the top-level mapping of an NNI v1 file."""
    local = check_platform(
        doc, ("trainingServicePlatform",), data.get("trainingServicePlatform", "local")
    )
    # The other platforms' sections and trial keys: covered by the platform warning when
    # the platform is not local; under local each one is ignored with a warning of its own.
    schema = SCHEMA if local else {**SCHEMA, **dict.fromkeys(_PLATFORM_SECTIONS, Ignored())}
    values = read_fields(doc, (), data, schema, label=LABEL, elsewhere=elsewhere)
    values.update(_trial(doc, data.get("trial"), local=local))
    if data.get("localConfig") is not None:
        values.update(
            read_fields(doc, ("localConfig",), data["localConfig"], LOCAL_CONFIG, label=LABEL)
        )
    advisor = advisor_section(data, "builtinTunerName")
    if data.get("tuner") is not None and advisor is not data["tuner"]:
        values.update(
            read_tuner(
                doc,
                ("tuner",),
                data["tuner"],
                schema=TUNER,
                name_key="builtinTunerName",
                label=LABEL,
            )
        )
    values.update(read_assessor_and_advisor(doc, data, has_tuner="tuner" in values,
                                            advisor=advisor))
    default_direction(values)
    annotation = (
        " NNI annotations (`useAnnotation: true`) are not supported yet: write the "
        "search space to a JSON file."
        if data.get("useAnnotation") is True
        else ""
    )
    values["search_space"] = search_space(
        doc, data, inline_key=None, file_key="searchSpacePath", missing_hint=annotation
    )
    return build(doc, values, "nni-v1")


def _trial(doc: Document, trial: Any, *, local: bool) -> dict[str, Any]:
    if trial is None:
        raise doc.error(
            (),
            "no `trial` section: add one with `command` (the shell command "
            "that runs one trial) and `codeDir` (the folder it runs in).",
        )
    platform_rule = Unsupported(PLATFORM_ONLY) if local else Ignored()
    schema = {**TRIAL, **dict.fromkeys(_PLATFORM_TRIAL_KEYS, platform_rule)}
    values = read_fields(doc, ("trial",), trial, schema, label=LABEL)
    if values.get("trial_command") is None:
        raise doc.error(
            ("trial",),
            "`trial.command` is missing: set it to the shell command "
            "that runs one trial, e.g. `command: python3 mnist.py`.",
        )
    values["trial_code_directory"] = code_directory(doc, ("trial", "codeDir"), trial.get("codeDir"))
    return values
