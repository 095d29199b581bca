"""What NNI's two config formats share: built-in tuners with their `classArgs`, the
assessor (Medianstop) and advisor (Hyperband), and the training service platform (local;
others warn and point to the Ray executor)."""

from __future__ import annotations

from typing import Any

from ._document import Document, Key, dotted
from ._fields import Schema, direction, mapping, read_fields, text, whole

PLATFORM_ONLY = (
    "configures a training service other than local and is ignored: hyperscout runs "
    "trials on this machine."
)


def check_platform(doc: Document, path: Key, value: Any) -> bool:
    """Whether the platform is local; warns that any other one runs locally too."""
    platform = text(doc, path, value)
    if platform == "local":
        return True
    doc.warn(
        path,
        (
            f"training service platform {platform!r} is not supported: hyperscout does not "
            f"drive {platform} machines itself, so this experiment runs locally and the "
            f"{platform} settings are ignored. To spread trials over machines, start a Ray "
            "cluster on them (`ray start --head` on one, `ray start --address HEAD:6379` on "
            "the others) and use `executor: ray`: `hyperscout create --config FILE "
            "--executor ray --executor-arg address=auto` (see docs/ray.md)."
        ),
    )
    return False


def read_tuner(
    doc: Document, path: Key, value: Any, *, schema: Schema, name_key: str, label: str
) -> dict[str, Any]:
    """`tuner`, `tuner_args`, `direction` and `seed` from an NNI tuner section."""
    if isinstance(value, str):
        raise doc.error(
            path,
            f"`{dotted(path)}` must be a mapping, not a name. Write the name "
            f"one level down: `tuner:` then, indented, `{name_key}: {value}`.",
        )
    read_fields(doc, path, value, schema, label=label)
    if "className" in value:
        raise doc.error(
            (*path, "className"),
            (
                "custom NNI tuners (`className` with its code directory) are not supported yet: "
                "hyperscout runs tuners that subclass hyperscout.tuners.Tuner. Port the tuner to "
                "that interface and name it in a hyperscout config as `tuner: "
                f"package.module:ClassName`, or use a built-in tuner with `{name_key}`."
            ),
        )
    if value.get(name_key) is None:
        raise doc.error(
            path,
            f"`{dotted((*path, name_key))}` is missing: name a built-in "
            f"tuner, for example `{name_key}: TPE`.",
        )
    # The name is passed through: the tuner registry resolves NNI's names ("TPE",
    # "GridSearch") and says which ones hyperscout lacks.
    name = text(doc, (*path, name_key), value[name_key])
    if name.lower() in ("pbttuner", "pbt"):
        raise doc.error(
            (*path, name_key),
            "NNI's PBTTuner is hyperscout's `pbt` scheduler, which an NNI file cannot "
            "name: write a hyperscout config with `scheduler: pbt` and `scheduler_args: "
            "{max_budget: ..., interval: ..., population_size: ...}` (the budget a member "
            "trains to, and between exploit steps; see docs/schedulers.md); the trial "
            "reads its budget with hyperscout.get_budget() and keeps its weights in "
            "hyperscout.checkpoint_dir() (loading from load_checkpoint_dir()).")
    values = {"tuner": name, **class_args(doc, (*path, "classArgs"), value.get("classArgs"))}
    values["tuner_args"] = _nni_tuner_args(doc, (*path, "classArgs"), name,
                                           values["tuner_args"])
    return values


def default_direction(values: dict[str, Any]) -> None:
    """Without a tuner's `optimize_mode`, the direction an NNI user meant: the assessor's
    `optimize_mode` if it has one, else NNI's default for the tuner (TPE and Anneal
    minimize, the others maximize)."""
    if "direction" in values:
        return
    mode = values.get("assessor_args", {}).get("optimize_mode")
    if mode in ("maximize", "minimize"):
        values["direction"] = mode
    elif str(values.get("tuner", "")).lower() in _MINIMIZING_TUNERS:
        values["direction"] = "minimize"


# NNI's tuners whose optimize_mode defaults to 'minimize' (its hyperopt-based ones); the
# others default to 'maximize', as hyperscout does
_MINIMIZING_TUNERS = ("tpe", "anneal")


# NNI's classArgs of its tuners, in hyperscout's names (None: tunes NNI's own
# implementation, ignored with a warning)
_RENAMED_ARGS: dict[str, dict[str, str | None]] = {
    "tpe": {"n_startup_jobs": "n_startup_trials", "n_ei_candidates": "n_ei_candidates",
            "gamma": None,  # NNI's keeps ceil(gamma * sqrt(n)) good trials; ours a fraction
            "prior_weight": "prior_weight", "linear_forgetting": None,
            "eps": None, "constant_liar_type": None, "parallel_optimize": None},
    "gptuner": {"cold_start_num": "n_startup_trials", "xi": "xi", "utility": None,
                "kappa": None, "nu": None, "alpha": None, "selection_num_warm_up": None,
                "selection_num_starting_points": None},
    "anneal": {"parallel_optimize": None, "constant_liar_type": None},
}


def _nni_tuner_args(doc: Document, path: Key, name: str,
                    args: dict[str, Any]) -> dict[str, Any]:
    """NNI's classArgs for the tuner `name` in hyperscout's option names; TPE's nested
    ``tpe_args`` is flattened. Options hyperscout's tuner has no use for are dropped, with
    a warning that names them."""
    renamed = _RENAMED_ARGS.get(name.lower())
    if renamed is None:
        return args
    given = dict(args)
    nested = given.pop("tpe_args", None) if name.lower() == "tpe" else None
    if nested is not None:
        given.update(mapping(doc, (*path, "tpe_args"), nested))
    out: dict[str, Any] = {}
    dropped = []
    for key, item in given.items():
        if key not in renamed:
            out[key] = item  # hyperscout's own option, or a typo the tuner will name
        elif renamed[key] is None:
            dropped.append(key)
        else:
            out[renamed[key]] = item  # type: ignore[index]
    if dropped:
        doc.warn(path, f"{name} options {dropped} tune NNI's implementation of {name} and "
                 "are ignored: hyperscout's is its own (see docs/tuners.md).")
    return out


def _nni_assessor_args(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """NNI's assessor classArgs in hyperscout's terms. NNI counts reports (a trial is judged
    once it has `start_step` of them; Curvefitting predicts the `epoch_num`-th), hyperscout
    names steps, which count from 0 for the NNI API's reports: both move down by one.
    NNI's defaults are filled in (Curvefitting: `epoch_num` 20, `start_step` 6)."""
    out = dict(args)
    if name == "curvefitting":
        out.setdefault("epoch_num", 20)
        out.setdefault("start_step", 6)
    for key, least in (("start_step", 0), ("epoch_num", 1)):
        if isinstance(out.get(key), int) and not isinstance(out[key], bool):
            out[key] = max(least, out[key] - 1)
    return out


def advisor_section(data: dict[str, Any], name_key: str) -> Any:
    """The section NNI reads as its advisor: `advisor`, or a `tuner` that names Hyperband
    or BOHB (NNI 2.x moved them from advisors to tuners)."""
    tuner = data.get("tuner")
    if isinstance(tuner, dict) and str(tuner.get(name_key, "")).lower() in _ADVISORS:
        return tuner
    return data.get("advisor")


def class_args(doc: Document, path: Key, value: Any) -> dict[str, Any]:
    """NNI's ``classArgs``: `optimize_mode` is the direction, `seed` the experiment's seed,
    the rest the tuner's own options."""
    out: dict[str, Any] = {"tuner_args": {}}
    for key, item in (mapping(doc, path, value) if value is not None else {}).items():
        child = (*path, key)
        if not isinstance(key, str):
            raise doc.error(child, f"`{dotted(path)}` keys must be text, but got {key!r}.")
        if key == "optimize_mode":
            out["direction"] = direction(doc, child, item)
        elif key == "seed":
            out["seed"] = whole(0)(doc, child, item)
        else:
            out["tuner_args"][key] = item
    return out


_ASSESSORS = {"medianstop": "median", "curvefitting": "curvefitting"}  # NNI's built-in assessors hyperscout runs
_ADVISORS = {"hyperband": "hyperband", "bohb": "bohb"}


def read_assessor_and_advisor(
    doc: Document, data: dict[str, Any], *, has_tuner: bool, advisor: Any = None
) -> dict[str, Any]:
    """NNI's assessor (Medianstop) and advisor (Hyperband) as hyperscout's assessor and
    scheduler; the ones hyperscout lacks are ignored with a warning. An advisor replaces
    NNI's tuner: without a `tuner`, its configurations are drawn at random, as NNI does."""
    values: dict[str, Any] = {}
    assessor = data.get("assessor")
    if assessor is not None:
        name, args = _builtin(doc, ("assessor",), assessor, ("name", "builtinAssessorName"))
        if name is not None and name.lower() in _ASSESSORS:
            values["assessor"] = _ASSESSORS[name.lower()]
            values["assessor_args"] = _nni_assessor_args(name.lower(), args)
        else:
            doc.warn(
                ("assessor",),
                f"`assessor`{_named(assessor)} is not supported by "
                "hyperscout yet and is ignored: no trial is stopped early. Medianstop and "
                "Curvefitting are supported.",
            )
    in_tuner = advisor is not None and advisor is data.get("tuner")  # NNI 2.x's spelling
    where: Key = ("tuner",) if in_tuner else ("advisor",)
    if in_tuner and data.get("advisor") is not None:
        doc.warn(("advisor",), "`advisor` is ignored: the `tuner` section already names "
                 f"{advisor.get('name') or advisor.get('builtinTunerName')}; keep one of "
                 "the two.")
    advisor = data.get("advisor") if advisor is None else advisor
    if advisor is not None:
        name, args = _builtin(doc, where, advisor,
                              ("name", "builtinAdvisorName", "builtinTunerName"))
        mode = args.pop("optimize_mode", None)
        if mode is not None and not has_tuner:
            values["direction"] = direction(doc, (*where, "classArgs", "optimize_mode"), mode)
        if name is not None and name.lower() in _ADVISORS:
            args.pop("exec_mode", None)  # NNI's serial/parallel brackets: hyperscout fills
            # free workers from the next bracket whenever a bracket waits
            if name.lower() == "bohb":
                args = _bohb_args(doc, (*where, "classArgs"), args)
            values["scheduler"] = _ADVISORS[name.lower()]
            values["scheduler_args"] = args
            if not has_tuner:
                values["tuner"] = "random"
        else:
            instead = ("the `tuner` runs alone" if has_tuner
                       else "the default `auto` tuner runs instead")
            doc.warn(
                ("advisor",),
                f"`advisor`{_named(advisor)} is not supported by hyperscout yet "
                f"and is ignored: {instead}. Hyperband and BOHB are supported.",
            )
    return values


def _bohb_args(doc: Document, path: Key, args: dict[str, Any]) -> dict[str, Any]:
    """NNI's BOHB classArgs in hyperscout's names; its KDE tuning knobs are dropped."""
    out = dict(args)
    if "top_n_percent" in out:
        out["gamma"] = out.pop("top_n_percent") / 100
    if "min_points_in_model" in out:
        out["min_points"] = out.pop("min_points_in_model")
    dropped = [k for k in ("num_samples", "bandwidth_factor", "min_bandwidth") if k in out]
    for key in dropped:
        del out[key]
    if dropped:
        doc.warn(path, f"BOHB options {dropped} tune NNI's own kernel "
                 "density estimator and are ignored: hyperscout's BOHB uses its TPE.")
    return out


def _builtin(doc: Document, path: Key, section: Any, name_keys: tuple[str, ...]
             ) -> tuple[str | None, dict[str, Any]]:
    """(built-in name, classArgs) of an NNI assessor or advisor section."""
    if not isinstance(section, dict):
        return None, {}
    name = next((section[k] for k in name_keys if isinstance(section.get(k), str)), None)
    raw = section.get("classArgs")
    args = dict(mapping(doc, (*path, "classArgs"), raw)) if raw is not None else {}
    return name, args


def _named(section: Any) -> str:
    if not isinstance(section, dict):
        return ""
    for key in ("name", "builtinAssessorName", "builtinAdvisorName", "className"):
        if isinstance(section.get(key), str):
            return f" ({section[key]})"
    return ""
