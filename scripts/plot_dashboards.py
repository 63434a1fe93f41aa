"""Plot the panel queries of platc's dashboards as a real Prometheus answered them.

Input: the JSON the test `every_panel_and_rule_expression_returns_data_from_a_real_prometheus`
writes when PLATC_MONITORING_PLOT names a file. Output: one PNG with a plot per panel.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(data_path: str, png_path: str) -> None:
    with open(data_path, encoding="utf-8") as f:
        data = json.load(f)
    panels = [(d["title"], p) for d in data["dashboards"] for p in d["panels"]]
    cols = 3
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 5.2, rows * 2.9), squeeze=False)
    start = data["start"]
    for ax, (board, panel) in zip(axes.flat, panels):
        for series in panel["series"]:
            xs = [(t - start) / 60 for t, _ in series["points"]]
            ys = [v for _, v in series["points"]]
            ax.plot(xs, ys, label=series["legend"], linewidth=1.2)
        ax.set_title(f"{board}: {panel['title']}", fontsize=8)
        ax.set_ylabel(panel["unit"], fontsize=7)
        ax.set_xlabel("minutes", fontsize=7)
        ax.tick_params(labelsize=6)
        if panel["series"]:
            ax.legend(fontsize=5, loc="best")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle("platc dashboards: every panel query, evaluated by the test Prometheus", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(png_path, dpi=80)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
