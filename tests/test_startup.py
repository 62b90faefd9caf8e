"""``--help`` and ``import warmupctl.cli`` load neither numpy nor matplotlib; ``table`` no matplotlib."""

import json
import subprocess
import sys

PROBE = """
import json, sys
from warmupctl.cli import app
from typer.testing import CliRunner
args = json.loads(sys.argv[1])
result = CliRunner().invoke(app, args) if args else None
print(json.dumps({"numpy": "numpy" in sys.modules, "matplotlib": "matplotlib" in sys.modules,
                  "code": result.exit_code if result else 0}))
"""


def loaded(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_and_help_stay_light():
    assert loaded() == {"numpy": False, "matplotlib": False, "code": 0}
    assert loaded("--help") == {"numpy": False, "matplotlib": False, "code": 0}
    assert loaded("plot", "--help") == {"numpy": False, "matplotlib": False, "code": 0}


def test_table_never_imports_matplotlib():
    state = loaded("table", "--format", "csv", "--steps", "5")
    assert state == {"numpy": True, "matplotlib": False, "code": 0}


def test_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "warmupctl", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.startswith("warmupctl ")
