"""docker-compose.yml read the way Compose reads it (docker is not installed here): interpolation, profiles,
each service's command as argv, the queues each worker consumes."""

import re
import shlex
from pathlib import Path

import yaml

from tests.conftest import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
APP_IMAGE = "muscleseed"
# What an operator must set (the file refuses to start without them): stand-ins for reading the file.
REQUIRED_ENV = {
    "SECRET_KEY": "compose-test-secret",
    "MUSCLESEED_DEID_SALT": "compose-test-salt",
    "S3_SECRET_ACCESS_KEY": "compose-test-s3",
}
VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def load() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def interpolate(text: str, env: dict[str, str]) -> str:
    """${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error} and $$, as Compose does."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.groups()
        value = env.get(name)
        missing = value is None or (value == "" and (operator or "").startswith(":"))
        if operator and operator.endswith("?") and missing:
            raise KeyError(f"{name} is required: {argument}")
        if operator and operator.endswith("-") and missing:
            return argument
        return value or ""

    return VARIABLE.sub(replace, text)


def is_app(service: dict) -> bool:
    return service.get("image") == APP_IMAGE


def app_services(compose: dict) -> dict[str, dict]:
    return {name: service for name, service in compose["services"].items() if is_app(service)}


def argv(service: dict, env: dict[str, str] | None = None) -> list[str]:
    """The service's command (or entrypoint) as the argv its container runs."""
    command = service.get("command") or service.get("entrypoint") or []
    values = {**REQUIRED_ENV, **(env or {})}
    if isinstance(command, str):
        return shlex.split(interpolate(command, values))
    return [interpolate(str(part), values) for part in command]


def without_nice(arguments: list[str]) -> list[str]:
    """`nice -n 10 celery ...` runs celery."""
    if arguments[:1] == ["nice"]:
        return arguments[3:] if arguments[1:2] == ["-n"] else arguments[1:]
    return arguments


def environment(service: dict, env: dict[str, str] | None = None) -> dict[str, str]:
    values = {**REQUIRED_ENV, **(env or {})}
    declared = service.get("environment") or {}
    if isinstance(declared, list):
        declared = dict(entry.split("=", 1) for entry in declared)
    return {name: interpolate(str(value), values) for name, value in declared.items()}


def option(arguments: list[str], *names: str) -> str | None:
    for index, argument in enumerate(arguments):
        for name in names:
            if argument == name and index + 1 < len(arguments):
                return arguments[index + 1]
            if name.startswith("--") and argument.startswith(name + "="):
                return argument.split("=", 1)[1]
    return None


def celery_subcommand(arguments: list[str]) -> str | None:
    arguments = without_nice(arguments)
    if arguments[:1] != ["celery"]:
        return None
    skip = False
    for argument in arguments[1:]:
        if skip:
            skip = False
        elif argument in ("-A", "--app", "--workdir", "-b", "--broker"):
            skip = True
        elif not argument.startswith("-"):
            return argument
    return None


def consumed_queues(service: dict, env: dict[str, str] | None = None) -> set[str]:
    arguments = without_nice(argv(service, env))
    if celery_subcommand(arguments) != "worker":
        return set()
    queues = option(arguments, "-Q", "--queues")
    return set(queues.split(",")) if queues else {"celery"}


def active(compose: dict, profiles: set[str], scaled_to_zero: set[str] = frozenset()) -> dict[str, dict]:
    """The services `docker compose [--profile P ...] up [--scale S=0 ...]` starts."""
    return {
        name: service
        for name, service in compose["services"].items()
        if (not service.get("profiles") or profiles & set(service["profiles"])) and name not in scaled_to_zero
    }


def documented_gpu_scale_to_zero() -> set[str]:
    """The services the file's own `--profile gpu up ... --scale NAME=0` line stops."""
    text = COMPOSE_FILE.read_text()
    line = next((line for line in text.splitlines() if "--profile gpu" in line and line.startswith("#")), "")
    return set(re.findall(r"--scale\s+([\w-]+)=0", line))


def mounted_file(service: dict, target: str) -> Path | None:
    """The repository file a service mounts at `target` (short volume syntax), if any."""
    for volume in service.get("volumes") or []:
        source, _, rest = volume.partition(":")
        if rest.split(":")[0] == target and source.startswith("./"):
            return PROJECT_ROOT / source[2:]
    return None
