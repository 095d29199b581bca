"""The demo's trial script, written as an NNI trial script is: ``python -m
hyperscout.demo.trial``.

Inside an experiment it trains with the parameters the tuner chose and reports the
validation accuracy after every epoch and at the end; run by hand it trains with
`DEFAULT_PARAMS` and prints the reports. An ``epochs`` entry in the parameters overrides
`DEFAULT_EPOCHS`.
"""

from __future__ import annotations

import hyperscout
from hyperscout.demo.lenet import DEFAULT_EPOCHS, DEFAULT_PARAMS, train_and_evaluate


def main() -> None:
    params = hyperscout.get_next_parameter() or {}
    epochs = int(params.pop("epochs", DEFAULT_EPOCHS))
    accuracy = train_and_evaluate(
        params, epochs=epochs, report=hyperscout.report_intermediate_result
    )
    hyperscout.report_final_result(accuracy)
    print(
        f"validation accuracy {accuracy:.4f} after {epochs} epochs with {DEFAULT_PARAMS | params}"
    )


if __name__ == "__main__":
    main()
