"""The test harness itself: a run that skips a test fails (tests/conftest.py, pytest_sessionfinish),
so a fresh clone that lacks something cannot pass by skipping. The run is a real pytest session in a
subprocess with this repository's pytest.ini and tests/conftest.py loaded as a plugin."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def _pytest(tmp_path, source):
    (tmp_path / "test_sample.py").write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
         "-c", str(REPO / "pytest.ini"), "--rootdir", str(REPO), "-n", "0", str(tmp_path / "test_sample.py")],  # one process: no workers to start
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )


def test_a_run_with_a_skipped_test_fails(tmp_path):
    r = _pytest(tmp_path, "import pytest\n\ndef test_runs():\n    pass\n\ndef test_skips():\n    pytest.skip('no data')\n")
    assert "1 passed, 1 skipped" in r.stdout, r.stdout + r.stderr
    assert "every test must run" in r.stdout
    assert r.returncode == 1, r.stdout + r.stderr


def test_a_run_without_skips_passes(tmp_path):
    """The control: the same session with nothing skipped exits 0, so the failure above is the skip."""
    r = _pytest(tmp_path, "def test_runs():\n    pass\n")
    assert r.returncode == 0, r.stdout + r.stderr
