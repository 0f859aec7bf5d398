"""Classification metrics: accuracy, per-label precision/recall/F1, macro-F1, confusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LabelScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class ClassificationReport:
    labels: tuple[str, ...]
    n: int
    accuracy: float
    macro_f1: float
    per_label: dict[str, LabelScores]
    confusion: dict[str, dict[str, int]]  # gold -> predicted -> count

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_label": {k: vars(v) for k, v in self.per_label.items()},
            "confusion": self.confusion,
        }

    def format(self) -> str:
        width = max(len(label) for label in self.labels) + 2
        lines = [f"n={self.n}  accuracy={self.accuracy:.4f}  macro-F1={self.macro_f1:.4f}", ""]
        lines.append(f"{'label':<{width}}precision  recall     f1  support")
        for label in self.labels:
            s = self.per_label[label]
            lines.append(
                f"{label:<{width}}{s.precision:9.4f}{s.recall:8.4f}{s.f1:7.4f}{s.support:9d}"
            )
        lines += ["", "confusion (rows: gold, columns: predicted)"]
        lines.append(" " * width + "".join(f"{label[:12]:>14}" for label in self.labels))
        for gold in self.labels:
            row = "".join(f"{self.confusion[gold][pred]:>14d}" for pred in self.labels)
            lines.append(f"{gold:<{width}}{row}")
        return "\n".join(lines)


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def classification_report(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> ClassificationReport:
    """Scores of ``predicted`` against ``gold``; macro-F1 averages labels that occur in gold."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    label_list = tuple(labels)
    unknown = (set(gold) | set(predicted)) - set(label_list)
    if unknown:
        raise ValueError(f"labels {sorted(unknown)} are not among {list(label_list)}")
    confusion = {g: {p: 0 for p in label_list} for g in label_list}
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    per_label: dict[str, LabelScores] = {}
    for label in label_list:
        true_positive = confusion[label][label]
        predicted_as = sum(confusion[g][label] for g in label_list)
        support = sum(confusion[label].values())
        precision = _ratio(true_positive, predicted_as)
        recall = _ratio(true_positive, support)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = LabelScores(precision, recall, f1, support)
    present = [label for label in label_list if per_label[label].support > 0]
    macro_f1 = sum(per_label[label].f1 for label in present) / len(present) if present else 0.0
    correct = sum(confusion[label][label] for label in label_list)
    return ClassificationReport(
        labels=label_list,
        n=len(gold),
        accuracy=_ratio(correct, len(gold)),
        macro_f1=macro_f1,
        per_label=per_label,
        confusion=confusion,
    )
