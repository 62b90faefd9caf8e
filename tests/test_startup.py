"""Start-up follows the layers: ``--help`` and ``import warmupctl.cli`` load neither numpy nor
matplotlib; ``table`` no matplotlib; a native spec (file, flags or the Python API) loads neither the
frameworks registry nor the library-spec, training-config or log readers, which only a spec or a flag
that needs them loads."""

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


#: What a native spec needs none of: the library schedules and their registry, the library-spec,
#: training-config and log readers, the presets, the plotting library.
HEAVY = ("warmupctl.frameworks", "warmupctl.spec.library", "warmupctl.spec.configs", "warmupctl.spec.logs",
         "warmupctl.spec.presets", "warmupctl.calc.actual", "matplotlib")

MODULES_AFTER = """
import json, sys
from typer.testing import CliRunner
from warmupctl.cli import app
report = []
for args in json.loads(sys.argv[1]):
    result = CliRunner().invoke(app, args)
    report.append({"code": result.exit_code, "modules": sorted(sys.modules)})
print(json.dumps(report))
"""


def modules_after(*commands: list[str], cwd=None) -> list[tuple[int, set[str]]]:
    """Run the commands one after the other in one fresh interpreter: after each, its exit code and
    every module loaded so far."""
    out = subprocess.run([sys.executable, "-c", MODULES_AFTER, json.dumps(commands)], cwd=cwd,
                         capture_output=True, text=True, check=True)
    return [(state["code"], set(state["modules"])) for state in json.loads(out.stdout.splitlines()[-1])]


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith(HEAVY))


def test_a_native_spec_loads_no_library_config_or_log_reader(tmp_path):
    (tmp_path / "spec.yaml").write_text("kind: cosine\nlr: 1e-3\ntotal_steps: 100\nwarmup_steps: 10\n")
    after = modules_after(["table", "--kind", "cosine", "--format", "csv"],
                          ["table", "spec.yaml", "--format", "csv"],
                          ["summary", "spec.yaml"],
                          ["diff", "spec.yaml", "spec.yaml"], cwd=tmp_path)
    assert [code for code, _ in after] == [0, 0, 0, 0]
    modules = after[-1][1]
    assert heavy(modules) == []
    assert {"warmupctl.spec.native", "warmupctl.spec.files"} <= modules  # the probe sees what loads


def test_the_python_api_on_a_native_spec_stays_light():
    probe = ("import json, sys, warmupctl; warmupctl.schedule(kind='cosine', total_steps=10)(3); "
             "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert heavy(set(json.loads(out.stdout))) == []


def test_what_needs_a_reader_loads_it(tmp_path):
    """The same probe sees the readers when a spec does need them (so the tests above can fail)."""
    (tmp_path / "lib.yaml").write_text("schedule: torch.StepLR\nlr: 0.1\nargs: {step_size: 2}\n"
                                       "total_steps: 6\n")
    (tmp_path / "args.yaml").write_text("learning_rate: 1e-4\nlr_scheduler_type: linear\nmax_steps: 10\n")
    (library, after_library), (config, after_config), (preset, after_preset) = modules_after(
        ["table", "lib.yaml", "--format", "csv"],
        ["table", "args.yaml", "--format", "csv"],
        ["table", "--preset", "gpt3", "--format", "csv", "--steps", "3"], cwd=tmp_path)
    assert (library, config, preset) == (0, 0, 0)
    assert "warmupctl.frameworks._registry" in after_library
    assert "warmupctl.spec.configs" not in after_library and "warmupctl.spec.configs" in after_config
    assert "warmupctl.spec.presets" not in after_config and "warmupctl.spec.presets" in after_preset
