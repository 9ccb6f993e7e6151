"""The Mermaid charts rolloutlint writes, parsed and rendered by Mermaid itself (offline) in headless Chromium.

Needs a browser and a local ``mermaid.min.js`` (``.ci/run`` installs Mermaid with npm into ``.ci/node``; or set
``ROLLOUTLINT_MERMAID_JS``); skips otherwise.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rolloutlint.cli import cli
from tests.plan.mermaid import mermaid_blocks

ROOT = Path(__file__).resolve().parents[2]
MERMAID = Path(os.environ.get("ROLLOUTLINT_MERMAID_JS")
               or ROOT / ".ci" / "node" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js")
BROWSER = next((b for b in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if b), None)
BLOCK = re.compile(r"^```mermaid\n(.*?)\n```$", re.DOTALL | re.MULTILINE)

pytestmark = pytest.mark.skipif(BROWSER is None or not MERMAID.is_file(),
                                reason="needs Chromium and a local mermaid.min.js (.ci/run installs both)")

PAGE = """<!DOCTYPE html><html><body><div id="out"></div>
<script src="mermaid.min.js"></script>
<script>
const blocks = %s;
mermaid.initialize({startOnLoad: false});
(async () => {
  const out = [];
  for (let i = 0; i < blocks.length; i++) {
    try {
      await mermaid.parse(blocks[i]);
      const r = await mermaid.render('chart' + i, blocks[i]);
      out.push({ok: true, rects: (r.svg.match(/<rect/g) || []).length, paths: (r.svg.match(/<path/g) || []).length});
    } catch (e) { out.push({ok: false, error: String(e)}); }
  }
  document.getElementById('out').setAttribute('data-result', JSON.stringify(out));
})();
</script></body></html>"""


def render_with_mermaid(tmp: Path, blocks: list[str]) -> list[dict[str, Any]]:
    assert BROWSER is not None
    shutil.copy(MERMAID, tmp / "mermaid.min.js")
    page = tmp / "charts.html"
    page.write_text(PAGE % json.dumps(blocks), encoding="utf-8")
    run = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp / 'p'}",
                          "--virtual-time-budget=20000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=180, check=False)
    found = re.search(r'data-result="([^"]*)"', run.stdout)
    assert found, run.stderr[-2000:]
    result: list[dict[str, Any]] = json.loads(html.unescape(found.group(1)))
    return result


def test_markdown_charts_render_in_mermaid(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["simulate", str(ROOT / "examples" / "bookinfo"), "-f", "markdown"],
                             catch_exceptions=False)
    blocks = BLOCK.findall(res.stdout)
    parsed = mermaid_blocks(res.stdout)
    broken = "xychart-beta\n    x-axis [\"a\", \"b\"]\n    line [1, 2\n"
    out = render_with_mermaid(tmp_path, [*blocks, broken])
    assert [o["ok"] for o in out] == [True] * len(blocks) + [False], out
    weights, pods = out[0], out[1]
    assert weights["paths"] >= 2  # the two weight lines
    assert pods["rects"] >= 2 * len(parsed[1]["x"])  # a canary and a stable bar per step
