"""What importing the package costs every process (the CLI, each worker, each kernel)."""

import subprocess
import sys


def test_the_batch_imports_without_building_an_iri_grammar():
    # jsonschema (through nbformat) would build rfc3987-syntax's lark grammar: ~1 s per process
    code = "import mpanalysis, mpanalysis.batch.run, nbformat, sys; print('lark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
