"""Figures and tables for people: MDC curves, edit grids, the MDS table."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .images import to_grid  # noqa: E402


def mdc_figure(curves: pd.DataFrame, scores: pd.DataFrame) -> plt.Figure:
    """One panel per target attribute; each method's MDC (predictor solid, oracle dashed)."""
    targets = list(dict.fromkeys(curves["attribute"]))
    cols = min(3, len(targets))
    rows = -(-len(targets) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.8 * rows), squeeze=False)
    methods = sorted(curves["method"].unique())
    colours = dict(zip(methods, plt.cm.tab10.colors))
    mds = scores.set_index(["method", "attribute", "source"])["mds"]
    for ax, target in zip(axes.flat, targets):
        for (method, source), c in curves[curves["attribute"] == target].groupby(["method", "source"]):
            ax.plot(c["accuracy"], c["disentanglement"], "-o" if source == "pred" else "--",
                    color=colours[method], ms=3, lw=1.5 if source == "pred" else 1,
                    label=f"{method}{' (oracle)' if source != 'pred' else ''}: {mds[method, target, source]:.2f}")
        ax.set(title=f"target: {target}", xlabel="accuracy A(s)", ylabel="disentanglement D(s)",
               xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower left", title="MDS", title_fontsize=7)
    for ax in list(axes.flat)[len(targets):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def edit_grid_figure(images, strengths: np.ndarray, title: str) -> plt.Figure:
    """(rows, cols, 3, H, W) images along a path; columns labelled with their strength."""
    rows, cols = images.shape[:2]
    fig, ax = plt.subplots(figsize=(0.9 * cols + 0.6, 0.9 * rows + 0.8))
    ax.imshow(to_grid(images), interpolation="nearest")
    h = images.shape[-1] + 1
    ax.set_xticks((np.arange(cols) + 0.5) * h, [f"{s:.2g}" for s in strengths], fontsize=7)
    ax.set_yticks([])
    ax.set_xlabel("strength")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def mds_markdown(scores: pd.DataFrame) -> str:
    """MDS per method x attribute with 95% bootstrap intervals, the mean, and the oracle mean."""
    pred = scores[scores["source"] == "pred"]
    attrs = list(dict.fromkeys(pred["attribute"]))
    lines = ["| method | " + " | ".join(attrs) + " | mean | oracle mean |",
             "|---" * (len(attrs) + 3) + "|"]
    for method, rows in pred.groupby("method", sort=True):
        cell = rows.set_index("attribute")
        cells = [f"{cell.at[a, 'mds']:.3f} [{cell.at[a, 'ci_low']:.2f}, {cell.at[a, 'ci_high']:.2f}]"
                 if a in cell.index else "" for a in attrs]
        oracle = scores[(scores["method"] == method) & (scores["source"] == "oracle")]["mds"]
        oracle_mean = f"{oracle.mean():.3f}" if len(oracle) else "n/a"
        lines.append(f"| {method} | " + " | ".join(cells) + f" | {rows['mds'].mean():.3f} | {oracle_mean} |")
    errors = pred.drop_duplicates("attribute").set_index("attribute")["predictor_error"]
    lines.append("| predictor held-out error | " + " | ".join(f"{errors[a]:.3f}" for a in attrs) + " | | |")
    return "\n".join(lines) + "\n"


def fit_figure(summary: dict) -> plt.Figure:
    """What a method's fit produced: training curves, an effect matrix, or validation accuracies."""
    panels = [k for k in ("loss_history", "component_effects", "direction_effects", "svm_validation_accuracy")
              if k in summary]
    fig, axes = plt.subplots(1, max(len(panels), 1), figsize=(4.5 * max(len(panels), 1), 3.4), squeeze=False)
    names = summary["attributes"]
    for ax, key in zip(axes.flat, panels):
        value = summary[key]
        if key == "loss_history":
            for split, losses in value.items():
                ax.plot(np.arange(1, len(losses) + 1), losses, label=split)
            ax.set(yscale="symlog", xlabel="epoch (or 50 iterations)", ylabel="loss", title="training curve")
            ax.legend(fontsize=8)
        elif key == "svm_validation_accuracy":
            ax.bar(names, value)
            ax.set(ylim=(0, 1), title="SVM validation accuracy")
            ax.tick_params(axis="x", rotation=45, labelsize=7)
        else:
            effects = np.asarray(value)
            lim = np.abs(effects).max() or 1.0
            im = ax.imshow(effects, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
            ax.set_xticks(range(len(names)), names, rotation=45, fontsize=7)
            ax.set(ylabel="direction", title="mean attribute change per direction")
            fig.colorbar(im, ax=ax)
    if not panels:
        axes[0, 0].text(0.5, 0.5, f"{summary['method']}: nothing is fitted", ha="center", va="center")
        axes[0, 0].axis("off")
    fig.suptitle(summary["method"], fontsize=10)
    fig.tight_layout()
    return fig


def sweep_figure(table: pd.DataFrame, knob: str) -> plt.Figure:
    """Mean MDS against a generator knob, one line per method; predictor and oracle side by side."""
    sources = [s for s in ("pred", "oracle") if s in set(table["source"])]
    fig, axes = plt.subplots(1, len(sources), figsize=(5 * len(sources), 3.8), squeeze=False, sharey=True)
    for ax, source in zip(axes.flat, sources):
        for method, rows in table[table["source"] == source].groupby("method", sort=True):
            rows = rows.sort_values(knob)
            ax.plot(rows[knob], rows["mean_mds"], "-o", ms=4, label=method)
        ax.set(xlabel=knob, ylabel="mean MDS over targets", ylim=(0, 1.02),
               title="predictor" if source == "pred" else "oracle")
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def text_edit_figure(images, strengths: np.ndarray, titles: list[str], labels: list[str]) -> plt.Figure:
    """(rows, cols, 3, H, W) images along text-edit paths; each row titled with its captions, labelled
    on the left (the method); columns labelled with their strength, the first being the source."""
    rows, cols = images.shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(max(1.1 * cols + 0.5, 7.5), 1.45 * rows + 0.3), squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.imshow(images[r, c].clamp(0, 1).permute(1, 2, 0).cpu().numpy(), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == rows - 1:
                ax.set_xlabel("source" if c == 0 else f"s={strengths[c]:.2g}", fontsize=7)
        axes[r, 0].set_ylabel(labels[r], fontsize=8)
        axes[r, 0].set_title(titles[r], loc="left", fontsize=7, clip_on=False)
    fig.subplots_adjust(left=0.06, right=0.99, top=1 - 0.3 / fig.get_figheight(), bottom=0.25 / fig.get_figheight(),
                        hspace=0.55, wspace=0.05)
    return fig
