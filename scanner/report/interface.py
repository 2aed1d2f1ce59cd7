"""What a report format is: a name and a function from a scan result to text."""

from __future__ import annotations

from abc import ABC, abstractmethod

from scanner.engine.run import ScanResult


class Report(ABC):
    """One output format. Implementations never see a secret: findings hold none."""

    name: str
    suffix: str

    @abstractmethod
    def render(self, result: ScanResult) -> str:
        """The whole report as text."""
