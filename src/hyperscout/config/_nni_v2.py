"""NNI's v2 config file (NNI 2.0 and later): `trialCommand`, `searchSpaceFile` or an inline
`searchSpace`, and a `trainingService` section (or a list of them, NNI's hybrid mode)."""

from __future__ import annotations

from typing import Any

from ._common import build, code_directory, search_space
from ._document import Document, Key
from ._fields import (
    Field,
    Schema,
    Special,
    Unsupported,
    duration,
    gpu_indices,
    mapping,
    read_fields,
    text,
    whole,
)
from ._model import ExperimentConfig
from ._nni import (
    advisor_section,
    check_platform,
    default_direction,
    read_assessor_and_advisor,
    read_tuner,
)

LABEL = "NNI v2"

SCHEMA: Schema = {
    "experimentName": Field("name", text),
    "searchSpaceFile": Special(),
    "searchSpace": Special(),
    "trialCommand": Field("trial_command", text),
    "trialCodeDirectory": Special(),
    "trialConcurrency": Field("concurrency", whole(1)),
    "trialGpuNumber": Field("gpus_per_trial", whole(0)),
    "maxExperimentDuration": Field("max_duration", duration),
    "maxTrialNumber": Field("max_trials", whole(1)),
    "maxTrialDuration": Field("trial_timeout", duration),
    "nniManagerIp": Unsupported(),
    "useAnnotation": Unsupported(
        "(NNI annotations in the trial code) is not supported yet and is ignored; give the "
        "search space in `searchSpaceFile` or `searchSpace`.",
        harmless=(False,),
    ),
    "debug": Unsupported(harmless=(False,)),
    "logLevel": Unsupported(harmless=("info",)),
    "experimentWorkingDirectory": Unsupported(
        "is not supported yet and is ignored: hyperscout keeps experiments under "
        "$HYPERSCOUT_HOME (default ~/.hyperscout)."
    ),
    "tunerGpuIndices": Unsupported("(GPUs for the tuner) is not supported yet and is ignored."),
    "experimentType": Unsupported(harmless=("hpo",)),
    "sharedStorage": Unsupported(),
    "tuner": Special(),
    "assessor": Special(),
    "advisor": Special(),
    "trainingService": Special(),
}

_AT_TOP = "is not supported inside `trainingService` yet and is ignored; set it at the top level."

LOCAL_TRAINING_SERVICE: Schema = {
    "platform": Special(),
    "gpuIndices": Field("gpu_indices", gpu_indices),
    "maxTrialNumberPerGpu": Field("max_trials_per_gpu", whole(1)),
    "useActiveGpu": Unsupported(
        "is not supported yet: hyperscout does not check whether another process is using "
        "a GPU, so trials get the GPUs in `gpuIndices` whether they are busy or not.",
        harmless=(True,),
    ),
    "reuseMode": Unsupported(harmless=(False,)),
    "trialCommand": Unsupported(_AT_TOP),
    "trialCodeDirectory": Unsupported(_AT_TOP),
    "trialGpuNumber": Unsupported(_AT_TOP),
    "nniManagerIp": Unsupported(),
}

TUNER: Schema = {
    "name": Special(),
    "classArgs": Special(),
    "className": Special(),
    "codeDirectory": Special(),
}


def read(doc: Document, data: dict[str, Any], *, elsewhere: dict[str, str]) -> ExperimentConfig:
    """An `ExperimentConfig` from the top-level mapping of an NNI v2 file."""
    values = read_fields(doc, (), data, SCHEMA, label=LABEL, elsewhere=elsewhere)
    if values.get("trial_command") is None:
        raise doc.error(
            ("trialCommand",),
            "`trialCommand` is missing: set it to the shell "
            "command that runs one trial, e.g. "
            "`trialCommand: python3 mnist.py`.",
        )
    values["trial_code_directory"] = code_directory(
        doc, ("trialCodeDirectory",), data.get("trialCodeDirectory")
    )
    values.update(_training_service(doc, data.get("trainingService")))
    advisor = advisor_section(data, "name")
    if data.get("tuner") is not None and advisor is not data["tuner"]:
        values.update(
            read_tuner(doc, ("tuner",), data["tuner"], schema=TUNER, name_key="name", label=LABEL)
        )
    values.update(read_assessor_and_advisor(doc, data, has_tuner="tuner" in values,
                                            advisor=advisor))
    default_direction(values)
    values["search_space"] = search_space(
        doc, data, inline_key="searchSpace", file_key="searchSpaceFile"
    )
    return build(doc, values, "nni-v2")


def _training_service(doc: Document, value: Any) -> dict[str, Any]:
    """GPU settings of the (first) local training service; other platforms warn."""
    if value is None:
        return {}
    path: Key = ("trainingService",)
    entries = (
        [((*path, i), v) for i, v in enumerate(value)]
        if isinstance(value, list)
        else [(path, value)]
    )
    values: dict[str, Any] | None = None
    for entry_path, entry in entries:
        entry = mapping(doc, entry_path, entry)
        if entry.get("platform") is None:
            raise doc.error(
                entry_path, "`trainingService.platform` is missing: write `platform: local`."
            )
        if check_platform(doc, (*entry_path, "platform"), entry["platform"]):
            local = read_fields(doc, entry_path, entry, LOCAL_TRAINING_SERVICE, label=LABEL)
            values = local if values is None else values
    return values or {}
