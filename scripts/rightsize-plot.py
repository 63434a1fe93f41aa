"""Draws docs/img/rightsize-api-server.png: the spiky API-server series of tests/rightsize.rs
(CPU cores each minute over the day the test reads) with what `platc rightsize` makes of it.
Needs matplotlib (any scratch venv): python scripts/rightsize-plot.py"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MINUTES = (86_400 - 1200) // 60
usage = [1.0 if m % 120 < 30 else 0.1 for m in range(MINUTES + 1)]
hours = [m / 60 for m in range(MINUTES + 1)]

fig, ax = plt.subplots(figsize=(9, 3.6), dpi=110)
ax.plot(hours, usage, color="#4c72b0", linewidth=0.9, label="used (cores, one sample a minute)")
lines = [
    (0.5, "#c44e52", "--", "request in force: 500m"),
    (0.1, "#8c8c8c", ":", "p50: 100m"),
    (1.0, "#dd8452", ":", "p95: 1000m"),
    (1.2, "#55a868", "-", "recommended: p95 + 15 % = 1150m, rounded up to 1200m"),
]
for y, color, style, label in lines:
    ax.axhline(y, color=color, linestyle=style, linewidth=1.4, label=label)
ax.set_xlabel("hours into the window")
ax.set_ylabel("CPU (cores)")
ax.set_ylim(0, 2.0)
ax.set_xlim(0, hours[-1])
ax.set_title("API server, spiky: a quarter of the time at 1 core")
ax.legend(loc="upper right", ncol=2, fontsize=7.5, framealpha=0.95)
fig.tight_layout()
fig.savefig("docs/img/rightsize-api-server.png")
