#!/usr/bin/env python3
"""The quick start (./run-local.sh builds the programs, then runs this): the main job, locally, through the Lambda path.

Starts moto on 127.0.0.1, builds a small account, applies the trigger tag, delivers the Tag Change event EventBridge
would deliver to the real Native AOT bootstrap through a local Runtime API stand-in, shows the instance before and after
side by side, releases it with the analyst CLI and shows the restoration. Checks each outcome and exits 1 when one is
not what it should be. Stops moto and removes its temporary files on every exit, Ctrl-C included.
"""
import signal
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the clone


def interrupted(number, _):
    print("\nInterrupted.", file=sys.stderr)
    sys.exit(128 + number)


# Ctrl-C and a TERM end the run through main's clean-up, from the first moment on.
signal.signal(signal.SIGINT, interrupted)
signal.signal(signal.SIGTERM, interrupted)

import datetime  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
import uuid  # noqa: E402

import moto  # noqa: E402

from account import APP_ROLE, Account  # noqa: E402
from runtime_api import RuntimeApi  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BOOTSTRAP = os.path.join(ROOT, "artifacts", "lambda", "linux-x64", "bootstrap")
CLI = os.path.join(ROOT, "artifacts", "cli", "ec2-isolation.dll")
REGION = "us-east-1"
TABLE = "ec2-isolation-records"
ISOLATION_PROFILE = "ec2-isolation-deny-all"
TAG_KEY, TAG_VALUE = "ec2-isolation", "isolate"  # IsolationSettings' defaults, as the stack deploys them
STAGES = 8
STEP_COMPLETED = 1002  # the engine's "Step {Step} completed" log event (src/Ec2Isolation.Core/Isolation/Log.cs)


class Failed(Exception):
    pass


def main():
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="ec2-isolation-quickstart-")
    processes, runtime = [], None
    try:
        stage(1, "Starting the moto emulator on 127.0.0.1")
        endpoint = start_moto(work, processes)
        print(f"      {endpoint} (moto {moto.__version__}): no AWS account is used")

        stage(2, "Building a small account in the emulator")
        account = Account(endpoint, REGION, TABLE, ISOLATION_PROFILE, TAG_KEY + ":")
        for line in account.seed():
            print("      " + line)
        before = account.observe()

        stage(3, f"An analyst tags the instance {TAG_KEY}={TAG_VALUE} (CreateTags)")
        account.tag(TAG_KEY, TAG_VALUE)

        stage(4, "EventBridge's rule matches the tag change and delivers this event to the function")
        print("      (moto never emits Tag Change events: this one is built here exactly as EventBridge delivers it)")
        event = tag_change_event(account.identity(), account.instance_id, account.tags())
        print(readable(event, "      "))

        stage(5, "The function, the Native AOT bootstrap, takes it from a local Lambda Runtime API")
        runtime = RuntimeApi(f"arn:aws:lambda:{REGION}:{event['account']}:function:ec2-isolation")
        response = invoke_bootstrap(runtime, endpoint, event, processes)
        print(f"      response: {response}")
        isolated = account.observe()
        check_isolated(isolated)

        stage(6, "Before and after isolation (* changed)")
        side_by_side(before, isolated, "after isolation", lambda row, old, new: "*" if old != new else "")

        stage(7, f"An analyst releases it: ec2-isolation release {account.instance_id}")
        print("      (release is a decision for people: the function never releases, and no tag releases)")
        cli(endpoint, "release", account.instance_id)
        released = account.observe()

        stage(8, "Restoration, against the original")
        side_by_side(before, released, "after release", restoration)
        differences = [row for row, old, new in union(before, released) if restoration(row, old, new) == "NO"]
        if differences:
            raise Failed("release did not restore " + ", ".join(differences))
        print(f"\nDone in {time.monotonic() - started:.0f} s: isolated through the Lambda path, released by the CLI, restored.")
        return 0
    except Failed as e:
        print(f"\nquick start FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C must not leave moto running or files behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in reversed(processes):
            stop(process)
        if runtime:
            runtime.close()
        shutil.rmtree(work, ignore_errors=True)
        print("Cleaned up: moto stopped, temporary files removed.")


def stage(number, title):
    print(f"\n[{number}/{STAGES}] {title}", flush=True)


def start_moto(work, processes):
    log_path = os.path.join(work, "moto.log")
    with open(log_path, "w") as log:
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(log_path) as log:
            port = re.search(r"Running on http://127\.0\.0\.1:(\d+)", log.read())
        if port:
            endpoint = f"http://127.0.0.1:{port.group(1)}"
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=2).close()
                return endpoint
            except OSError:
                pass
        if processes[-1].poll() is not None:
            break
        time.sleep(0.2)
    with open(log_path) as log:
        raise Failed("moto did not start:\n" + log.read())


def tag_change_event(account_id, instance_id, tags):
    """The event of AWS's documented shape (test/Ec2Isolation.TestSupport/Events/tag-change.json): all of the
    instance's tags after the change, the changed key alone in changed-tag-keys, the instance id only in the ARN."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Tag Change on Resource",
        "source": "aws.tag",
        "account": account_id,
        "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:ec2:{REGION}:{account_id}:instance/{instance_id}"],
        "detail": {
            "changed-tag-keys": [TAG_KEY],
            "service": "ec2",
            "resource-type": "instance",
            "version": 3,
            "tags": tags,
        },
    }


def readable(document, indent, depth=0):
    """JSON with the first two levels of objects one member a line, anything deeper on one line."""
    if not isinstance(document, dict) or depth == 2:
        return json.dumps(document)
    inner = indent + "  "
    members = [f"{inner}{json.dumps(k)}: {readable(v, inner, depth + 1)}" for k, v in document.items()]
    text = "{\n" + ",\n".join(members) + "\n" + indent + "}"
    return text if depth else indent + text


def function_environment(endpoint):
    """What the stack gives the function (cdk/Ec2Isolation.Cdk/DeploymentSettings.cs), with the emulator as endpoint
    and its dummy credentials."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_LAMBDA_FUNCTION_NAME": "ec2-isolation",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "EC2ISOLATION_TABLE": TABLE,
        "EC2ISOLATION_INSTANCE_PROFILE": ISOLATION_PROFILE,
        "EC2ISOLATION_TAG_KEY": TAG_KEY,
        "EC2ISOLATION_TAG_VALUE": TAG_VALUE,
    }


def invoke_bootstrap(runtime, endpoint, event, processes):
    """Runs the bootstrap against the stand-in for one invocation; prints its JSON log lines in short; returns the response."""
    env = function_environment(endpoint) | {"AWS_LAMBDA_RUNTIME_API": runtime.endpoint}
    print(f"      {os.path.relpath(BOOTSTRAP, ROOT)} with AWS_LAMBDA_RUNTIME_API={runtime.endpoint}")
    bootstrap = subprocess.Popen([BOOTSTRAP], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, start_new_session=True)
    processes.append(bootstrap)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(bootstrap.stdout), daemon=True)
    reader.start()
    outcome = runtime.invoke(event)
    # Lambda freezes the process once it has answered; here it is stopped, and its output read to the end.
    stop(bootstrap)
    reader.join(5)
    summarise_logs(lines)
    if outcome is None:
        raise Failed("the bootstrap answered nothing within 60 s")
    is_error, body = outcome
    if is_error:
        raise Failed("the function reported an error: " + body)
    response = json.loads(body)
    if response.get("action") != "isolated":
        raise Failed("the function did not isolate the instance: " + body)
    return body


def summarise_logs(lines):
    """One line per log entry, its message only, with the time since the first; consecutive step completions in one line."""
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            entries.append({"message": line.rstrip(), "level": "Output"})
    levels = {}
    for entry in entries:
        levels[entry.get("level")] = levels.get(entry.get("level"), 0) + 1
    print(f"      its log: {len(entries)} JSON lines ({', '.join(f'{n} {level}' for level, n in levels.items())}), in short:")
    first = _moment(entries[0]) if entries else None
    steps = []
    for index, entry in enumerate(entries):
        if entry.get("eventId") == STEP_COMPLETED:
            steps.append(entry.get("Step", "?"))
            if index + 1 < len(entries) and entries[index + 1].get("eventId") == STEP_COMPLETED:
                continue
            message = "steps completed, in order: " + " > ".join(steps)
            steps = []
        else:
            message = entry.get("message", "")
        at = _moment(entry)
        offset = f"+{(at - first).total_seconds() * 1000:5.0f} ms" if at and first else " " * 9
        level = "" if entry.get("level") == "Information" else f"{entry.get('level')}: "
        print(f"        {offset}  {level}{message}")


def _moment(entry):
    try:
        return datetime.datetime.fromisoformat(entry["timestamp"])
    except (KeyError, ValueError):
        return None


def check_isolated(rows):
    """Fails unless every row shows what a complete isolation leaves."""
    expected = {
        "groups": lambda v: v == "ec2-isolation-quarantine",
        "egress": lambda v: v == "none",
        "instance profile": lambda v: v == ISOLATION_PROFILE,
        f"boundary of {APP_ROLE}": lambda v: v == f"ec2-isolation-revoke-{APP_ROLE}",
        "termination protection": lambda v: v == "True",
        "stop protection": lambda v: v == "True",
        "shutdown behaviour": lambda v: v == "stop",
        "delete on termination": lambda v: v == "False",
        "evidence snapshots": lambda v: v.startswith("snap-"),
        "Auto Scaling": lambda v: v == "Standby",
        "target group": lambda v: v == "(not registered)",
        f"tag {TAG_KEY}:status": lambda v: v == "isolated",
    }
    values = dict(rows)
    wrong = [f"{row} = {value}" for row, value in rows for key, ok in expected.items() if key in row and not ok(value)]
    wrong += [f"no row '{key}'" for key in expected if not any(key in row for row in values)]
    if wrong:
        raise Failed("the instance is not fully isolated: " + "; ".join(wrong))


def restoration(row, old, new):
    if old == new:
        return "yes"
    if row == "evidence snapshots":
        return "kept: evidence"
    if row.endswith("desired, instances"):
        return "as documented"  # ExitStandby adds one to the desired capacity; the group scales back in itself
    return "NO"


def side_by_side(before, after, title, mark):
    """One table: the union of the rows, in order, each with its value before and after, and a mark."""
    rows = union(before, after)
    width = [max(len(r[i]) for r in rows + [("", "before", title)]) for i in range(3)]
    print(f"      {'':<{width[0]}}  {'before':<{width[1]}}  {title}")
    for row, old, new in rows:
        print(f"      {row:<{width[0]}}  {old:<{width[1]}}  {new:<{width[2]}}  {mark(row, old, new)}".rstrip())


def union(before, after):
    """[(row, before, after)] for every row of either, in order; "(none)" where one lacks it."""
    after_values, before_rows = dict(after), dict(before)
    return ([(row, old, after_values.get(row, "(none)")) for row, old in before]
            + [(row, "(none)", new) for row, new in after if row not in before_rows])


def cli(endpoint, *args):
    """Runs the analyst CLI against the emulator and prints what it prints; its log (standard error) only when it fails."""
    env = os.environ | function_environment(endpoint)
    result = subprocess.run(["dotnet", CLI, *args], env=env, capture_output=True, text=True)
    for line in (result.stdout + (result.stderr if result.returncode else "")).splitlines():
        print("      " + line)
    if result.returncode != 0:
        raise Failed(f"ec2-isolation {' '.join(args)} exited {result.returncode}")


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    sys.exit(main())
