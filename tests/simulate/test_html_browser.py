"""`simulate --format html` opened in a real headless Chromium: the charts render, nothing errors, nothing loads.

Skips when no Chromium/Chrome is installed (`.ci/run` installs the distribution's `chromium` where apt exists).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from rolloutlint.cli import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bookinfo"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((b for b in map(shutil.which, BROWSERS) if b), None)
CONSOLE = re.compile(r"CONSOLE[(:]\d*\)?\]? ?(.*)")
CANARY_RGB, STABLE_RGB = (0xE8, 0x59, 0x0C), (0x1C, 0x7E, 0xD6)  # the weight lines
CANARY_BAR, STABLE_BAR = (235, 114, 48), (85, 158, 224)  # the pod bars: the same colours at 85 % / 75 % on white

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium or Chrome installed")


def chromium(tmp: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=0", *args, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def console_messages(stderr: str) -> list[str]:
    return [m.group(1) for line in stderr.splitlines() if (m := CONSOLE.search(line))]


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and unfiltered RGB(A) rows of an 8-bit non-interlaced PNG (what Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, [b"".join(row[i:i + 3] for i in range(0, stride, channels)) for row in rows]


def count_color(rows: list[bytes], rgb: tuple[int, int, int], tolerance: int = 40) -> int:
    hits = 0
    for row in rows:
        for i in range(0, len(row), 3):
            if all(abs(row[i + k] - rgb[k]) <= tolerance for k in range(3)):
                hits += 1
    return hits


def write_page(tmp: Path) -> Path:
    project = tmp / "project"
    shutil.copytree(EXAMPLE, project / "bookinfo")
    blue_green = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "bg", "namespace": "x"},
                  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "bg"}},
                           "template": {"metadata": {"labels": {"app": "bg"}},
                                        "spec": {"containers": [{"name": "c", "image": "i:1"}]}},
                           "strategy": {"blueGreen": {"activeService": "bg", "previewService": "bg-preview",
                                                      "autoPromotionEnabled": False}}}}
    (project / "bg.yaml").write_text(yaml.safe_dump(blue_green))
    res = CliRunner().invoke(cli, ["simulate", str(project), "-f", "html"], catch_exceptions=False)
    assert res.exit_code == 0
    page = tmp / "report.html"
    page.write_text(res.stdout, encoding="utf-8")
    return page


def test_page_is_self_contained(tmp_path: Path) -> None:
    text = write_page(tmp_path).read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text)
    assert "@import" not in text and "url(http" not in text
    assert "default-src 'none'" in text  # the page may not fetch anything even if it tried


def test_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    page = write_page(tmp_path)
    dom = chromium(tmp_path, page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dict(re.findall(r'id="timeline-(\d+)"[^>]*?data-rendered-steps="(\d+)"', dom.stdout))
    declared = dict(re.findall(r'id="timeline-(\d+)"[^>]*?data-steps="(\d+)"', dom.stdout))
    # bookinfo/reviews has 8 canary steps; the blueGreen Rollout the preview and the promotion.
    assert sorted(declared.values()) == ["2", "8"]
    assert rendered == declared, (rendered, declared)
    assert console_messages(dom.stderr) == []

    shot = tmp_path / "page.png"
    # Half the device scale keeps the pure-Python PNG decoding short.
    run = chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=1100,1300", "--hide-scrollbars",
                   "--force-device-scale-factor=0.5")
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    width, height, rows = read_png(shot)
    assert (width, height) in ((550, 650), (1100, 1300))
    assert count_color(rows, CANARY_RGB, 20) > 50  # the weight lines were painted
    assert count_color(rows, STABLE_RGB, 20) > 50
    assert count_color(rows, CANARY_BAR, 20) > 200  # and the pod bars
    assert count_color(rows, STABLE_BAR, 20) > 200
    assert console_messages(run.stderr) == []


def test_console_errors_are_detected(tmp_path: Path) -> None:
    """The console check above can fail: a page that logs an error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><script>console.error('broken-chart')</script></body></html>")
    run = chromium(tmp_path, bad, "--dump-dom")
    assert any("broken-chart" in m for m in console_messages(run.stderr))


def test_plan_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    from tests.plan.test_plan_git import Repo, rollout, vs

    repo = Repo(tmp_path / "repo")
    repo.commit({"rollout.yaml": [rollout(), vs()]})
    repo.write({"rollout.yaml": [rollout(image="web:2"), vs()]})
    res = CliRunner().invoke(cli, ["plan", "--repo", str(repo.path), "--base", "HEAD", "-f", "html"],
                             catch_exceptions=False)
    assert res.exit_code == 0 and "new revision" in res.stdout
    page = tmp_path / "plan.html"
    page.write_text(res.stdout, encoding="utf-8")
    dom = chromium(tmp_path, page, "--dump-dom")
    assert re.findall(r'data-steps="(\d+)"[^>]*?data-rendered-steps="(\d+)"', dom.stdout) == [("4", "4")]
    assert console_messages(dom.stderr) == []
