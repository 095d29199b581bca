"""A stand-in for NNI's trial API, put first on PYTHONPATH of command trials so NNI trial
scripts (`import nni; nni.get_next_parameter()`) run unchanged under hyperscout."""

from hyperscout.trial import (  # noqa: F401
    get_current_parameter,
    get_experiment_id,
    get_next_parameter,
    get_sequence_id,
    get_trial_id,
    report_final_result,
    report_intermediate_result,
)

__version__ = "hyperscout-shim"


def get_trial_dir():  # hyperscout extra; NNI users read NNI_OUTPUT_DIR instead
    from hyperscout.trial import get_trial_dir as _get

    return _get()
