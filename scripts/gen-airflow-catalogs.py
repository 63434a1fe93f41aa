#!/usr/bin/env python3
"""Generate catalog/airflow/<V>.json: the Airflow config options platc knows, per Airflow version.

Input is the conformance folder `shared/conformance/airflow-config` (its README.md explains every
field). Output is one compact, deterministic JSON file per Airflow version with facts only (no
description text):

  sections       section -> option -> {type, default, added, sensitive, deprecated, allowed, ...}
                 `type` is the type Airflow converts the text to. Where the template declares
                 `string` but the default is clearly a bool or int, the conformance `inferred_type`
                 is used and the declared type is kept as `declared_type`.
  moves          old section -> old option -> {section, key, since, read, lint}: the new name,
                 since when, whether this version still reads the old name as a fallback, and
                 whether `airflow config lint` flags it. Only moves whose old name is not an option
                 of this version are listed. `read` is the raw runtime-fallback fact: the checker
                 also requires the new name to be an option of this version (no chaining).
  section_moves  old section -> {section, since, read}: whole-section renames.
  lint_removed   section -> option -> suggestion (or null): options `airflow config lint` reports
                 as removed, for options that are not in this version.
  providers      the provider distributions merged in, and the sections they own.
  sources        the wheels (with sha256) the facts were extracted from.

Usage:
  python3 scripts/gen-airflow-catalogs.py [CONFORMANCE_DIR] [--out DIR] [--check] [--wheels DIR]

  CONFORMANCE_DIR  default: ../shared/conformance/airflow-config, relative to the repository root.
  --out DIR        default: catalog/airflow under the repository root.
  --check          do not write; exit 1 if a catalog on disk differs from what would be written.
  --wheels DIR     also verify downloaded wheels: each wheel's sha256 must match the one recorded
                   in the conformance data, and the section/option names in each core wheel's
                   config.yml must match the catalog.

Regenerate from the published wheels:
  The conformance data was extracted from the wheels on PyPI (core config.yml plus the `config`
  block of each provider's get_provider_info()). To fetch the same wheels:

    W=$(mktemp -d)
    for spec in apache-airflow==1.10.14 apache-airflow==2.7.3 apache-airflow==2.11.2 \\
      apache-airflow-core==3.0.0 apache-airflow-core==3.1.8 apache-airflow-core==3.2.2 \\
      apache-airflow-core==3.3.2 \\
      apache-airflow-providers-cncf-kubernetes==7.8.0 apache-airflow-providers-celery==3.4.1 \\
      apache-airflow-providers-cncf-kubernetes==10.25.0 apache-airflow-providers-celery==3.26.0 \\
      apache-airflow-providers-fab==1.5.4 apache-airflow-providers-fab==3.10.2 \\
      apache-airflow-providers-google==22.8.0; do
      pip download --no-deps -d "$W" "$spec"   # one pin per call: pip refuses two pins of one package
    done
    python3 scripts/gen-airflow-catalogs.py --wheels "$W"

  `--wheels` proves the catalogs describe exactly those wheels. To add an Airflow version, extend
  the conformance folder (airflow-<V>.json, airflow-<V>.moved.json, moves-history.json) the same
  way, add the version to VERSIONS below and rerun; then add it to src/airflow/catalog.rs.

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path

FORMAT = 1
VERSIONS = ["1.10.14", "2.7.3", "2.11.2", "3.0.0", "3.1.8", "3.2.2", "3.3.2"]
REPO = Path(__file__).resolve().parent.parent
DEFAULT_SRC = REPO / ".." / "shared" / "conformance" / "airflow-config"
DEFAULT_OUT = REPO / "catalog" / "airflow"

# Options declared `string` whose default looks boolean but that accept other words too, so the
# inferred type must not be used. The template's description says so for each of them.
KEEP_DECLARED_STRING = {
    ("webserver", "expose_config"): "also accepts `non-sensitive-only`",
    ("api", "expose_config"): "also accepts the deprecated `non-sensitive-only`",
}

# Enum lists that Airflow computes at startup; the values are those of Linux, where the
# official image runs.
ALLOWED_EXPRESSIONS = {
    "multiprocessing.get_all_start_methods()": ["fork", "spawn", "forkserver"],
}

# An option that only takes effect together with another option's value. Only written where both
# options exist in the version; the phrase must appear in the option's description in the raw
# template (checked when raw/airflow-<V>/config.yml is present).
REQUIRES = [
    {
        "section": "api",
        "key": "worker_refresh_interval",
        "requires": {
            "section": "api",
            "key": "server_type",
            "value": "gunicorn",
            "extra": "apache-airflow-core[gunicorn]",
        },
        "phrase": "``server_type = gunicorn``",
    },
]


def vkey(version: str | None) -> tuple[int, ...]:
    """Sort key of a version string; None sorts before every version."""
    if version is None:
        return (0,)
    parts = [int(p) for p in re.findall(r"\d+", version)]
    return tuple(parts + [0] * (3 - len(parts)))


def load(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def option_facts(section: str, key: str, raw: dict) -> dict:
    declared = raw["type"]
    inferred = raw.get("inferred_type")
    out: dict = {"type": declared}
    if inferred and declared == "string" and (section, key) not in KEEP_DECLARED_STRING:
        out["type"] = inferred
        out["declared_type"] = declared
    default = raw.get("default_rendered", raw.get("default"))
    if default is not None:
        out["default"] = default
    if raw.get("version_added"):
        out["added"] = raw["version_added"]
    if raw.get("sensitive"):
        out["sensitive"] = True
    if raw.get("deprecated"):
        out["deprecated"] = True
        if raw.get("version_deprecated"):
            out["deprecated_since"] = raw["version_deprecated"]
    allowed = raw.get("allowed_values")
    if isinstance(allowed, dict):
        expr = allowed.get("expr")
        if expr not in ALLOWED_EXPRESSIONS:
            sys.exit(f"[{section}] {key}: allowed values are {expr!r}; add it to ALLOWED_EXPRESSIONS")
        allowed = ALLOWED_EXPRESSIONS[expr]
    if allowed:
        out["allowed"] = [str(v) for v in allowed]
    return out


def requires_check(src: Path, version: str, section: str, key: str, phrase: str) -> bool:
    """True if the raw template's block for [section] key contains phrase (or no template)."""
    cfg = src / "raw" / f"airflow-{version}" / "config.yml"
    if not cfg.exists():
        return True
    text = cfg.read_text(encoding="utf-8")
    sec = re.search(rf"^{re.escape(section)}:\n(.*?)(?=^\S)", text, re.M | re.S)
    if not sec:
        return False
    opt = re.search(rf"^    {re.escape(key)}:\n(.*?)(?=^    \S)", sec.group(1) + "    end:\n", re.M | re.S)
    return bool(opt and phrase in opt.group(1))


def build(src: Path, version: str, history: dict, section_history: dict) -> dict:
    conf = load(src / f"airflow-{version}.json")
    moved = load(src / f"airflow-{version}.moved.json")
    sections: dict = {}
    for section, options in conf["sections"].items():
        sections[section] = {k: option_facts(section, k, v) for k, v in options.items()}

    for rule in REQUIRES:
        req = rule["requires"]
        s, k = rule["section"], rule["key"]
        if k in sections.get(s, {}) and req["key"] in sections.get(req["section"], {}):
            if not requires_check(src, version, s, k, rule["phrase"]):
                sys.exit(f"{version}: [{s}] {k}: description no longer says {rule['phrase']}")
            sections[s][k]["requires"] = req

    # config lint describes the 3.0 migration: its invalid values hold from 3.0 on only
    # (on 2.x `[core] parallelism = 0` still means unlimited).
    for change in moved.get("config_lint_changes", []):
        if change["kind"] != "invalid_value" or vkey(version) < (3, 0, 0):
            continue
        opt = sections.get(change["section"], {}).get(change["option"])
        if opt is not None:
            opt.setdefault("invalid", []).append(change["is_invalid_if"])

    moves: dict = {}
    ranks: dict = {}
    for m in history["moves"]:
        flags = m["by_version"].get(version)
        if flags is None or flags["old_is_option"]:
            continue
        if not flags["old_read_as_fallback"] and vkey(m["since_version"]) > vkey(version):
            continue
        rank = (flags["new_is_option"], flags["old_read_as_fallback"], vkey(m["since_version"]))
        old = (m["old_section"], m["old_key"])
        if old in ranks and ranks[old] >= rank:
            continue
        ranks[old] = rank
        entry = {
            "section": m["new_section"],
            "key": m["new_key"],
            "read": flags["old_read_as_fallback"],
            "lint": flags["flagged_by_config_lint"],
        }
        if m["since_version"]:
            entry["since"] = m["since_version"]
        moves.setdefault(old[0], {})[old[1]] = entry

    read_sections = {d["old_section"] for d in moved.get("deprecated_sections", [])}
    section_moves = {}
    for old, (new, since) in section_history.items():
        if old in sections or vkey(since) > vkey(version):
            continue
        section_moves[old] = {"section": new, "since": since, "read": old in read_sections}

    lint_removed: dict = {}
    for change in moved.get("config_lint_changes", []):
        s, k = change["section"], change["option"]
        if change["kind"] == "removed" and k not in sections.get(s, {}):
            lint_removed.setdefault(s, {})[k] = change.get("suggestion")

    return {
        "airflow_version": version,
        "format": FORMAT,
        "lint_removed": lint_removed,
        "moves": moves,
        "providers": [
            {"dist": p["dist"], "version": p["version"], "sections": sorted(p["sections"])}
            for p in sorted(conf.get("providers", []), key=lambda p: p["dist"])
        ],
        "section_moves": section_moves,
        "sections": sections,
        "sources": sorted(
            {(s["wheel"], s["wheel_sha256"]) for s in conf.get("sources", [])}
        ),
    }


def section_renames(src: Path) -> dict:
    """Every whole-section rename any version knows: old -> (new, since)."""
    out: dict = {}
    for version in VERSIONS:
        for d in load(src / f"airflow-{version}.moved.json").get("deprecated_sections", []):
            out[d["old_section"]] = (d["new_section"], d["since_version"])
    return out


def dump(value, depth: int = 0) -> str:
    """Sorted JSON with one line per leaf object (three levels deep), for small readable diffs."""
    if isinstance(value, dict) and depth < 3 and value:
        pad = " " * (depth + 1)
        items = [f"{pad}{json.dumps(k)}: {dump(value[k], depth + 1)}" for k in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def core_option_names(wheel: Path) -> set[tuple[str, str]] | None:
    """(section, option) names in a core wheel's config.yml, by indentation (no YAML parser)."""
    with zipfile.ZipFile(wheel) as z:
        names = [n for n in z.namelist() if n.endswith("config_templates/config.yml")]
        if not names:
            return None
        text = z.read(names[0]).decode("utf-8")
    out, section, in_options = set(), None, False
    for line in text.splitlines():
        if m := re.match(r"^([A-Za-z0-9_.-]+):\s*$", line):
            section, in_options = m.group(1), False
        elif re.match(r"^  options:\s*$", line):
            in_options = True
        elif re.match(r"^  \S", line):
            in_options = False
        elif in_options and (m := re.match(r"^    ([A-Za-z0-9_.-]+):\s*$", line)):
            out.add((section, m.group(1)))
    return out


def verify_wheels(wheels: Path, catalogs: dict) -> list[str]:
    problems = []
    for version, cat in catalogs.items():
        for wheel_name, sha in cat["sources"]:
            wheel = wheels / wheel_name
            if not wheel.exists():
                problems.append(f"{version}: {wheel_name} not downloaded")
                continue
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            if digest != sha:
                problems.append(f"{version}: {wheel_name} sha256 {digest} != {sha}")
                continue
            names = core_option_names(wheel)
            if names is None:
                continue
            provider_sections = {s for p in cat["providers"] for s in p["sections"]}
            ours = {
                (s, k)
                for s, opts in cat["sections"].items()
                if s not in provider_sections
                for k in opts
            }
            theirs = {(s, k) for s, k in names if s not in provider_sections}
            for s, k in sorted(ours ^ theirs):
                side = "catalog only" if (s, k) in ours else "wheel only"
                problems.append(f"{version}: [{s}] {k}: {side}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", nargs="?", type=Path, default=DEFAULT_SRC)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--wheels", type=Path)
    args = ap.parse_args()

    history = load(args.src / "moves-history.json")
    renames = section_renames(args.src)
    catalogs = {v: build(args.src, v, history, renames) for v in VERSIONS}

    if args.wheels:
        problems = verify_wheels(args.wheels, catalogs)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            return 1

    stale = []
    if not args.check:
        args.out.mkdir(parents=True, exist_ok=True)
    for version, cat in catalogs.items():
        text = dump(cat) + "\n"
        path = args.out / f"{version}.json"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            path.write_text(text, encoding="utf-8")
            print(f"{path}: {len(text.encode('utf-8'))} bytes")
    for path in stale:
        print(f"stale: {path}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
