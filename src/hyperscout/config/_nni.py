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
    return {"tuner": name, **class_args(doc, (*path, "classArgs"), value.get("classArgs"))}


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
    doc: Document, data: dict[str, Any], *, has_tuner: bool
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
            values["assessor_args"] = args
        else:
            doc.warn(
                ("assessor",),
                f"`assessor`{_named(assessor)} is not supported by "
                "hyperscout yet and is ignored: no trial is stopped early. Medianstop and "
                "Curvefitting are supported.",
            )
    advisor = data.get("advisor")
    if advisor is not None:
        name, args = _builtin(doc, ("advisor",), advisor, ("name", "builtinAdvisorName"))
        mode = args.pop("optimize_mode", None)
        if mode is not None and not has_tuner:
            values["direction"] = direction(doc, ("advisor", "classArgs", "optimize_mode"), mode)
        if name is not None and name.lower() in _ADVISORS:
            args.pop("exec_mode", None)  # NNI's serial/parallel brackets: hyperscout fills
            # free workers from the next bracket whenever a bracket waits
            if name.lower() == "bohb":
                args = _bohb_args(doc, args)
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


def _bohb_args(doc: Document, args: dict[str, Any]) -> dict[str, Any]:
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
        doc.warn(("advisor", "classArgs"), f"BOHB options {dropped} tune NNI's own kernel "
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
