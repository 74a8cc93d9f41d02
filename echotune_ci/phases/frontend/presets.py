"""Desktop and mobile presets: Lighthouse's screen emulation and DevTools throttling.

Values from Lighthouse 12 core/config/constants.js: ``screenEmulationMetrics``
and ``throttling.mobileSlow4G`` (applied as DevTools throttling, i.e. the
request latency and throughput already scaled as Lighthouse does for
``throttlingMethod: devtools``). Lighthouse's desktop preset applies no
network throttling in DevTools mode and no CPU slowdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .settings import FrontendSettings


@dataclass(frozen=True)
class Throttle:
    """CPU slowdown factor (1 = none), added request latency in ms, throughput in kbit/s (0 = unthrottled)."""

    cpu_slowdown: float = 1.0
    latency_ms: float = 0.0
    download_kbps: float = 0.0
    upload_kbps: float = 0.0

    @property
    def network(self) -> bool:
        """Whether any network throttling applies."""
        return bool(self.latency_ms or self.download_kbps or self.upload_kbps)

    def network_conditions(self) -> dict[str, Any]:
        """Network.emulateNetworkConditions parameters (throughput in bytes/s, -1 = unthrottled)."""
        def rate(kbps: float) -> float:
            return kbps * 1024 / 8 if kbps > 0 else -1

        return {"offline": False, "latency": self.latency_ms, "downloadThroughput": rate(self.download_kbps),
                "uploadThroughput": rate(self.upload_kbps)}


@dataclass(frozen=True)
class Preset:
    """A screen (CSS px, device pixel ratio, mobile or not) and its default throttling."""

    name: str
    form_factor: str
    width: int
    height: int
    device_scale_factor: float
    mobile: bool
    throttle: Throttle

    def context_options(self, browser_version: str) -> dict[str, Any]:
        """Playwright ``new_context`` options; a mobile user agent names *browser_version*'s major."""
        opts: dict[str, Any] = {
            "viewport": {"width": self.width, "height": self.height},
            "device_scale_factor": self.device_scale_factor,
            "is_mobile": self.mobile,
            "has_touch": self.mobile,
        }
        if self.mobile:
            major = browser_version.split(".")[0] or "130"
            opts["user_agent"] = (f"Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 "
                                  f"(KHTML, like Gecko) Chrome/{major}.0.0.0 Mobile Safari/537.36")
        return opts


PRESETS: dict[str, Preset] = {
    "desktop": Preset("desktop", "desktop", 1350, 940, 1.0, False, Throttle()),
    "mobile": Preset(
        "mobile", "mobile", 412, 823, 1.75, True,
        Throttle(cpu_slowdown=4.0, latency_ms=150 * 3.75, download_kbps=1.6 * 1024 * 0.9,
                 upload_kbps=750 * 0.9),
    ),
}


def throttle_for(preset: Preset, settings: FrontendSettings) -> Throttle:
    """The preset's throttling with the [frontend] overrides (None = keep the preset's)."""
    base = preset.throttle
    values = {name: getattr(settings, name) for name in ("cpu_slowdown", "latency_ms", "download_kbps",
                                                          "upload_kbps")}
    return Throttle(**{name: (getattr(base, name) if v is None else float(v)) for name, v in values.items()})
