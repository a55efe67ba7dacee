"""An experiment's inputs: its settings, its arms (a baseline first, then variants), its seeds.

Theory of operation. An experiment is one settings table (a behaviour file's sections, after
``--set``) and a list of arms; each arm is a name and changes on top of the settings, as dotted
keys like ``--set``'s (``policy.review_decision_window = 3``, ``seller.segments.slow.share =
0.2``). The first arm is the baseline. ``--vary KEY=V1,V2`` makes one arm per value (several make
a grid), and a single ``--vary`` over numbers is a sweep. Every arm runs under every seed. All is
checked before anything runs: each arm's settings are parsed, so a bad key fails at once, naming
it. ``inputs()`` writes everything an experiment depends on as JSON-ready data that
``from_table`` reads back, so a results file reruns to the same bytes.

An experiment file (TOML or JSON) has ``seeds`` (a count or a list), ``policy``, ``horizon_days``,
``settings`` (a behaviour file's sections), ``baseline`` (its name) and ``variants`` (a list of
``{name, set}``), or ``arms`` (a list of ``{name, set}``, the baseline first); a results JSON is
read through its ``inputs``.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs

from ..domain.policy import PRESETS
from ..errors import UnreadableInput
from ..inputs import read_text
from ..simulation import config
from ..simulation.behaviour import Behaviour, Delay, InvalidBehaviour
from ..simulation.engine import Setup
from ..simulation.population import Market

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the simulation extra installs tomli
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

DEFAULT_SEEDS = 10
_KEYS = (
    "orderflow",
    "policy",
    "policy_version",
    "horizon_days",
    "seeds",
    "settings",
    "sweep",
    "arms",
    "baseline",
    "variants",
)


class InvalidExperiment(InvalidBehaviour):
    """A bad experiment input; ``key`` names it (``--seeds``, ``variants``, ``seller.x``...)."""


def version() -> str:
    """orderflow's installed version (recorded with every experiment)."""
    try:
        return metadata.version("orderflow")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


@attrs.frozen
class Arm:
    """A named set of changes on top of the experiment's settings (dotted keys, as ``--set``)."""

    name: str
    changes: tuple[tuple[str, Any], ...] = ()


@attrs.frozen
class Experiment:
    """Settings, arms (the baseline first) and seeds; ``check()`` raises what is wrong."""

    settings: Mapping[str, Any] = attrs.field(factory=dict)
    arms: tuple[Arm, ...] = (Arm("baseline"),)
    seeds: tuple[int, ...] = tuple(range(1, DEFAULT_SEEDS + 1))
    policy: str = "comeup"
    horizon_days: float | None = None
    #: The key a sweep varies (its arms in the order of its values), or None.
    sweep: str | None = None

    @property
    def baseline(self) -> Arm:
        return self.arms[0]

    def setups(self) -> list[Setup]:
        """Each arm's settings as a simulation ``Setup`` (seed 0: a cell sets its own)."""
        if self.policy not in PRESETS:
            raise InvalidExperiment("policy", f"unknown policy {self.policy!r}; one of {sorted(PRESETS)}")
        made = []
        for arm in self.arms:
            try:
                settings = config.parse(self.settings, dict(arm.changes))
            except InvalidBehaviour as error:
                raise InvalidExperiment(error.key, f"{_message(error)} (arm {arm.name!r})") from None
            made.append(
                Setup(
                    market=settings.market,
                    behaviour=settings.behaviour,
                    policy=settings.policy(PRESETS[self.policy]),
                    horizon_days=self.horizon_days,
                )
            )
        return made

    def settings_changed(self) -> dict[str, dict[str, object]]:
        """Each arm's settings that differ from the defaults, by dotted key (as ``--set`` writes)."""
        return {
            arm.name: config.changes(setup.market, setup.behaviour, setup.policy)
            for arm, setup in zip(self.arms, self.setups(), strict=True)
        }

    def check(self) -> list[Setup]:
        """Raise ``InvalidExperiment`` naming the first bad input; else each arm's setup."""
        if not self.seeds:
            raise InvalidExperiment("--seeds", "an experiment needs at least 1 seed")
        if len(set(self.seeds)) != len(self.seeds):
            raise InvalidExperiment("seeds", "a seed is listed twice")
        if not self.arms:
            raise InvalidExperiment("arms", "an experiment needs at least one arm, its baseline")
        names = [arm.name for arm in self.arms]
        for name in names:
            if not isinstance(name, str) or not name.strip():
                raise InvalidExperiment("variants", f"an arm needs a name, not {name!r}")
            if names.count(name) > 1:
                raise InvalidExperiment("variants", f"two arms are named {name!r}")
        if self.horizon_days is not None and not (_number(self.horizon_days) and self.horizon_days > 0):
            raise InvalidExperiment(
                "horizon_days", f"must be a positive number of days, not {self.horizon_days!r}"
            )
        return self.setups()

    def inputs(self) -> dict[str, Any]:
        """Everything the experiment depends on, JSON-ready; ``from_table`` reads it back."""
        preset = PRESETS.get(self.policy)
        return {
            "orderflow": version(),
            "policy": self.policy,
            "policy_version": None if preset is None else preset.version,
            "horizon_days": self.horizon_days,
            "seeds": list(self.seeds),
            "settings": _plain(self.settings),
            "arms": [{"name": arm.name, "set": _plain(dict(arm.changes))} for arm in self.arms],
            "sweep": self.sweep,
        }


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _message(error: InvalidBehaviour) -> str:
    return str(error).split(": ", 1)[1] if ": " in str(error) else str(error)


def _plain(value: Any) -> Any:
    """``value`` with TOML's dates and times as ISO strings, and tables as plain dicts."""
    if isinstance(value, Mapping):
        return {str(key): _plain(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(inner) for inner in value]
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def read(path: Path) -> dict[str, Any]:
    """The table of an experiment file (``.toml`` or ``.json``; a results JSON: its inputs)."""
    if path.suffix not in (".toml", ".json"):
        raise InvalidExperiment("file", f"{path}: an experiment file ends in .toml or .json")
    try:
        text = read_text(path)  # a regular file of bounded size, strict UTF-8
        table: object = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except UnreadableInput as error:
        raise InvalidExperiment("file", str(error)) from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidExperiment("file", f"{path}: {error}") from None
    except RecursionError:
        raise InvalidExperiment("file", f"{path}: tables nest too deeply") from None
    if not isinstance(table, dict):
        raise InvalidExperiment("file", f"{path}: must hold a table of inputs")
    inputs = table.get("inputs", table)  # a results JSON reruns from its inputs
    if not isinstance(inputs, dict):
        raise InvalidExperiment("inputs", "must be a table of inputs")
    return inputs


def from_table(table: Mapping[str, Any]) -> Experiment:
    """The experiment an experiment file's table describes (not yet checked: see ``check``)."""
    unknown = [key for key in table if key not in _KEYS]
    if unknown:
        raise InvalidExperiment(unknown[0], f"unknown experiment key; one of {list(_KEYS)}")
    policy = table.get("policy", "comeup")
    if not isinstance(policy, str) or policy not in PRESETS:
        raise InvalidExperiment("policy", f"unknown policy {policy!r}; one of {sorted(PRESETS)}")
    recorded = table.get("policy_version")
    if recorded is not None and recorded != PRESETS[policy].version:
        current = PRESETS[policy].version
        raise InvalidExperiment(
            "policy_version", f"this orderflow's {policy} is version {current}, not {recorded}"
        )
    settings = table.get("settings", {})
    if not isinstance(settings, Mapping):
        raise InvalidExperiment("settings", f"must be a table of settings, not {settings!r}")
    sweep = table.get("sweep")
    if sweep is not None and not isinstance(sweep, str):
        raise InvalidExperiment("sweep", f"must name a setting, not {sweep!r}")
    return Experiment(
        settings=_plain(settings),
        arms=_arms(table),
        seeds=_seeds(table.get("seeds", DEFAULT_SEEDS), "seeds"),
        policy=policy,
        horizon_days=table.get("horizon_days"),
        sweep=sweep,
    )


def _seeds(value: object, key: str) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise InvalidExperiment(key, f"must be at least 1, not {value}")
        return tuple(range(1, value + 1))
    if isinstance(value, list) and all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value
    ):
        return tuple(value)
    raise InvalidExperiment(
        key, f"must be a count of seeds or a list of seeds (whole numbers >= 0), not {value!r}"
    )


def _arms(table: Mapping[str, Any]) -> tuple[Arm, ...]:
    if "arms" in table and ("baseline" in table or "variants" in table):
        raise InvalidExperiment("arms", "give arms, or a baseline and variants, not both")
    if "arms" in table:
        listed = table["arms"]
        if not isinstance(listed, list) or not listed:
            raise InvalidExperiment("arms", "must be a list of {name, set}, the baseline first")
        return tuple(_arm(item, f"arms[{index}]") for index, item in enumerate(listed))
    baseline = table.get("baseline", "baseline")
    if not isinstance(baseline, str):
        raise InvalidExperiment("baseline", f"must be the baseline's name, not {baseline!r}")
    variants = table.get("variants", [])
    if not isinstance(variants, list):
        raise InvalidExperiment("variants", "must be a list of {name, set}")
    return (Arm(baseline), *(_arm(item, f"variants[{index}]") for index, item in enumerate(variants)))


def _arm(item: object, key: str) -> Arm:
    if not isinstance(item, Mapping) or set(item) - {"name", "set"}:
        raise InvalidExperiment(key, f"must be a table of a name and a set of changes, not {item!r}")
    name, changes = item.get("name"), item.get("set", {})
    if not isinstance(name, str) or not name.strip():
        raise InvalidExperiment(key, f"an arm needs a name, not {name!r}")
    if not isinstance(changes, Mapping):
        raise InvalidExperiment(f"{key}.set", f"must be a table of dotted keys, not {changes!r}")
    return Arm(name, tuple((str(k), _plain(v)) for k, v in changes.items()))


def parse_value(text: str) -> Any:
    """A command-line value: JSON if it reads as JSON, else the word itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """``KEY=V1,V2,...`` as the key and its values."""
    key, equals, values = text.partition("=")
    if not equals or not key or not values:
        raise InvalidExperiment("--vary", f"{text!r}: expected KEY=V1,V2,...")
    parsed = [parse_value(value.strip()) for value in values.split(",")]
    _check_varied(key, parsed)
    return key, parsed


def _check_varied(key: str, values: Sequence[Any]) -> None:
    """A varied key takes one plain value per arm: not a list, a table or a delay."""
    parts = key.split(".")
    if len(parts) >= 2 and parts[1] == "segments":  # seller.segments.NAME.KEY: NAME's KEY
        parts = [parts[0], *parts[3:]] if len(parts) > 3 else [parts[0], "segments"]
    sections: dict[str, object] = {
        "market": Market(),
        **attrs.asdict(Behaviour(), recurse=False),
    }
    default = getattr(sections.get(parts[0]), parts[1], None) if len(parts) == 2 else None
    if parts[1:] == ["segments"] or isinstance(default, (tuple, Delay)):
        kind = "a list" if isinstance(default, tuple) else "a table"
        raise InvalidExperiment(key, f"--vary takes settings of one value each; this one is {kind}")
    for value in values:
        if isinstance(value, (list, dict)):
            raise InvalidExperiment(key, f"--vary takes settings of one value each, not {json.dumps(value)}")
    if len({json.dumps(value) for value in values}) != len(values):
        raise InvalidExperiment(key, "a value is listed twice in --vary")


def _short(key: str, keys: Sequence[str]) -> str:
    """A varied key's last part, when no other varied key ends the same: an arm's short name."""
    last = key.rsplit(".", 1)[-1]
    return last if sum(k.rsplit(".", 1)[-1] == last for k in keys) == 1 else key


def build(
    table: Mapping[str, Any] | None = None,
    sets: Mapping[str, Any] | None = None,
    varies: Sequence[tuple[str, Sequence[Any]]] = (),
    seeds: int | None = None,
) -> Experiment:
    """The experiment of a file's ``table`` (or the defaults), with ``--set`` changes applied to
    every arm, one arm per combination of ``--vary`` values, and ``--seeds`` seeds; checked."""
    experiment = from_table(table or {})
    if sets:
        try:
            settings = config.apply(experiment.settings, sets)
        except InvalidBehaviour as error:
            raise InvalidExperiment(error.key, _message(error)) from None
        experiment = attrs.evolve(experiment, settings=settings)
    if seeds is not None:
        experiment = attrs.evolve(experiment, seeds=_seeds(seeds, "--seeds"))
    keys = [key for key, _ in varies]
    for key in keys:
        if keys.count(key) > 1:
            raise InvalidExperiment(key, "--vary names this key twice")
    if varies:
        combinations = list(itertools.product(*(values for _, values in varies)))
        arms = []
        for arm in experiment.arms:
            for combination in combinations:
                changes = dict(zip(keys, combination, strict=True))
                label = ", ".join(
                    f"{_short(key, keys)}={json.dumps(value)}" for key, value in changes.items()
                )
                name = label if len(experiment.arms) == 1 else f"{arm.name}, {label}"
                arms.append(Arm(name, (*arm.changes, *changes.items())))
        numeric = len(varies) == 1 and all(_number(value) for value in varies[0][1])
        sweep = keys[0] if numeric and len(experiment.arms) == 1 else None
        experiment = attrs.evolve(experiment, arms=tuple(arms), sweep=sweep)
    experiment.check()
    return experiment
