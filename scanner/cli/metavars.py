"""Help shows what a value is (ACCOUNT, CHECK, FILE, DATE), not Python types (`<list[Path]>`).

One table for every command, applied to the whole command tree once: a new option gets a
sensible name from its type even when nobody adds it here.
"""

from __future__ import annotations

from typing import Any

# By option (its long name) or argument (its parameter name).
BY_NAME = {
    "--as-of": "DATE",
    "--checks": "CHECK",
    "--exclude-checks": "CHECK",
    "--format": "FORMAT",
    "--fail-on": "SEVERITY",
    "--by": "NAME",
    "--note": "TEXT",
    "--reason": "TEXT",
    "--limit": "N",
    "--hibp": "PATH",
    "--hibp-url": "URL",
    "--from": "SOURCE",
    "--field": "FIELD",
    "--totp": "URI",
    "--keep": "DIR",
    "--person": "PERSON",
    "--platform": "PLATFORM",
    "--tier": "TIER",
    "account": "ACCOUNT",
    "check_id": "CHECK",
    "step": "STEP",
    "directory": "DIR",
    "file": "FILE",
    "inventory_arg": "INVENTORY",
}
BY_TYPE = {"path": "FILE", "int": "N", "str": "TEXT", "date": "DATE", "float": "NUMBER"}


def name_metavars(command: Any) -> None:
    """Give every option and argument under `command` a plain metavar where it has none."""
    for param in getattr(command, "params", []):
        _name(param)
    for sub in getattr(command, "commands", {}).values():
        name_metavars(sub)


def _name(param: Any) -> None:
    if getattr(param, "param_type_name", "") == "argument":
        _plain_argument(param)
        return
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return
    metavar = getattr(param, "metavar", None)
    if metavar:
        param.metavar = metavar.strip("[]")  # typer adds the brackets of an optional argument
        return
    longs = [opt for opt in getattr(param, "opts", []) if opt.startswith("--")]
    for key in (*longs, param.name):
        if key in BY_NAME:
            param.metavar = BY_NAME[key]
            return
    param.metavar = BY_TYPE.get(_type_name(param), "VALUE")


def _type_name(param: Any) -> str:
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    for inner in getattr(annotation, "__args__", ()) or ():  # list[Path], Path | None
        if inner is not type(None):
            annotation = inner
            break
    return getattr(annotation, "__name__", "").lower()


def _plain_argument(param: Any) -> None:
    """An argument reads `ACCOUNT` in help and usage: no type after it, no braces around it."""
    name = BY_NAME.get(param.name) or (param.metavar or param.name).strip("[]").upper()
    param.metavar = name

    def usage() -> str:
        return name if param.required else f"[{name}]"

    param.display_type_rich = lambda ctx: None
    param.get_usage_pieces = lambda ctx: [usage()]
    param._rich_display_name = lambda: name
