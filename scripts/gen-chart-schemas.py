#!/usr/bin/env python3
"""Writes catalog/chart/<version>.json: the official Airflow chart's values.schema.json with the
annotations that never affect validation (descriptions, examples, defaults, docs sections) removed,
so the binary can embed one schema per chart version platc renders. A description that marks
its key deprecated stays: validate warns about such keys (helm-values-deprecated).

Source: ../shared/conformance/airflow-chart*/ (each folder's Chart.yaml names its version).
Usage: python3 scripts/gen-chart-schemas.py [--check]
"""
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "conformance"
OUT = ROOT / "catalog" / "chart"
ANNOTATIONS = {"description", "examples", "default", "x-docsSection", "x-docsSectionOrder"}
# Maps whose keys are names (of properties, definitions), not schema keywords.
NAMED = {"properties", "definitions", "patternProperties", "$defs"}


def strip(node, named=False):
    if isinstance(node, dict):
        if named:
            return {k: strip(v) for k, v in node.items()}
        return {
            k: strip(v, k in NAMED)
            for k, v in node.items()
            if k not in ANNOTATIONS or (k == "description" and "(deprecated" in str(v))
        }
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for folder in sorted(SHARED.glob("airflow-chart*")):
        chart = folder / "Chart.yaml"
        schema = folder / "values.schema.json"
        if not chart.is_file() or not schema.is_file():
            continue
        version = re.search(r"^version:\s*(\S+)", chart.read_text(), re.M).group(1)
        text = json.dumps(strip(json.loads(schema.read_text())), separators=(",", ":")) + "\n"
        target = OUT / f"{version}.json"
        if check:
            if not target.is_file() or target.read_text() != text:
                stale.append(str(target))
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    if stale:
        sys.exit("stale, run scripts/gen-chart-schemas.py: " + ", ".join(stale))


if __name__ == "__main__":
    main()
