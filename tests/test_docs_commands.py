"""Every shell command of the README and docs/ runs here or names a real CLI and subcommand.

Commands are collected from the Markdown's fenced blocks tagged bash, sh, shell or console, and
from untagged blocks whose every line starts with a known program (docs/PLAN.md's command list);
`\\` continuations are joined, comments dropped, `&&`, `||`, `;` and `|` split a line into
commands, and each `$( ... )` is a command of its own. Then:

* `forge-infra ...` (offline) runs, in order per document, in a scratch copy of the project
  (its Pulumi.yaml and stack files, so the files the commands write land there), and must exit
  0. The stacks' plans are memoised: a plan is byte-identical across runs (docs/PLAN.md), so
  each stack is planned once for the whole module.
* Any other program must be one this file knows, and for the CLIs with subcommands (pulumi, aws,
  gcloud, az, docker, helm, kubectl, rpk, systemctl, git, pgbackrest, ...) its subcommand must
  be a real one. The subcommand tables come from each CLI's command reference (URLs below);
  for aws, gcloud and az the service or command group is checked against the table and the
  operation only for its form, so that the GCP and Azure sections other branches add pass when
  they use real commands.

What this does not prove: that a cloud command's options are right, or that it succeeds.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import forge_infra.cli as cli_module
import forge_infra.cost.cli as cost_cli
import forge_infra.policy.cli as policy_cli
from forge_infra.plan.model import Plan
from tests.conftest import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```", re.S | re.M)
OPERATORS = {"&&", "||", ";", "|", "&"}
PLACEHOLDER = re.compile(r"<[^>]*>")

#: https://www.pulumi.com/docs/iac/cli/commands/ (pulumi <command> [<subcommand>]).
PULUMI = {
    "about": None, "cancel": None, "console": None, "convert": None, "destroy": None,
    "env": None, "import": None, "install": None, "login": None, "logout": None, "new": None,
    "org": None, "package": None, "preview": None, "refresh": None, "schema": None,
    "up": None, "version": None, "watch": None, "whoami": None,
    "stack": {"change-secrets-provider", "export", "graph", "history", "import", "init", "ls",
              "output", "rename", "rm", "select", "tag", "unselect"},
    "config": {"cp", "env", "get", "refresh", "rm", "rm-all", "set", "set-all"},
    "state": {"delete", "edit", "move", "protect", "rename", "repair", "taint", "unprotect",
              "untaint", "upgrade"},
    "plugin": {"install", "ls", "rm", "run"},
    "policy": {"disable", "enable", "group", "ls", "new", "publish", "rm", "validate-config"},
}
#: AWS CLI v2 services (https://awscli.amazonaws.com/v2/documentation/api/latest/index.html);
#: the operation is checked for its form (lower-case words joined by hyphens).
AWS_SERVICES = {
    "acm", "budgets", "cloudfront", "cloudwatch", "configure", "ec2", "ecr", "ecs", "eks",
    "elasticache", "elbv2", "iam", "kafka", "kms", "lambda", "logs", "rds", "route53", "s3",
    "s3api", "secretsmanager", "service-quotas", "ssm", "sts", "wafv2",
}
#: gcloud command groups (https://cloud.google.com/sdk/gcloud/reference).
GCLOUD_GROUPS = {
    "alpha", "artifacts", "auth", "beta", "billing", "builds", "certificate-manager",
    "compute", "config", "container", "dns", "iam", "info", "init", "kms", "logging",
    "managed-kafka", "memorystore", "monitoring", "organizations", "projects", "pubsub",
    "redis", "resource-manager", "run", "secrets", "services", "sql", "storage", "version",
}
#: Top-level commands of aws, gcloud and az that take no subcommand (`az login`,
#: `gcloud version`, `aws configure` without one).
STANDALONE = {"aws": {"configure"}, "gcloud": {"info", "init", "version"},
              "az": {"login", "logout", "version"}}
#: az command groups (https://learn.microsoft.com/cli/azure/reference-index).
AZ_GROUPS = {
    "account", "acr", "ad", "aks", "cache", "containerapp", "deployment", "eventhubs",
    "extension", "feature", "group", "identity", "keyvault", "login", "logout", "monitor",
    "network", "postgres", "provider", "redis", "redisenterprise", "resource", "role",
    "storage", "version",
}
#: Programs with a subcommand as their first argument, and the real ones used or likely.
SUBCOMMANDS: dict[str, set[str]] = {
    # https://docs.docker.com/reference/cli/docker/
    "docker": {"build", "buildx", "compose", "exec", "image", "images", "inspect", "login",
               "logs", "network", "ps", "pull", "push", "run", "tag", "volume"},
    # https://helm.sh/docs/helm/helm/
    "helm": {"dependency", "get", "history", "install", "lint", "list", "ls", "package",
             "pull", "repo", "rollback", "show", "status", "template", "test", "uninstall",
             "upgrade", "version"},
    # https://kubernetes.io/docs/reference/kubectl/
    "kubectl": {"annotate", "apply", "auth", "cluster-info", "config", "cordon", "create",
                "delete", "describe", "drain", "edit", "exec", "explain", "get", "label",
                "logs", "patch", "port-forward", "rollout", "run", "scale", "top", "uncordon",
                "version", "wait"},
    # https://docs.redpanda.com/current/reference/rpk/
    "rpk": {"acl", "cluster", "container", "debug", "group", "profile", "redpanda",
            "security", "topic", "version"},
    "systemctl": {"daemon-reload", "disable", "enable", "is-active", "reload", "restart",
                  "start", "status", "stop"},
    "git": {"checkout", "clone", "diff", "fetch", "log", "pull", "switch"},
    "ruff": {"check", "format"},
    "openssl": {"rand"},
    "pip": {"install"},
}
#: https://pgbackrest.org/command.html: the command is the last word, after the options.
PGBACKREST = {"archive-get", "archive-push", "backup", "check", "expire", "info", "restore",
              "stanza-create", "start", "stop", "verify"}
#: Programs without subcommands (shell utilities, the PostgreSQL client tools).
PLAIN = {"cat", "cd", "cp", "curl", "date", "echo", "export", "grep", "jq", "ls", "mkdir", "mypy",
         "pg_basebackup", "pg_isready", "psql", "python", "python3", "sed", "sleep", "tail",
         "pytest"}
KNOWN = {"forge-infra", "pulumi", "aws", "gcloud", "az", "pgbackrest", *SUBCOMMANDS, *PLAIN}


@dataclass(frozen=True)
class Command:
    """One command shown in a document."""

    document: str
    line: int
    words: tuple[str, ...]

    def where(self) -> str:
        """`file:line: the command`."""
        return f"{self.document}:{self.line}: {' '.join(self.words)}"


def _program(word: str) -> str:
    """`.venv/bin/forge-infra` -> `forge-infra`."""
    return word.rsplit("/", 1)[-1]


def _substitutions(text: str) -> tuple[str, list[str]]:
    """`text` with each `$( ... )` (balanced parentheses) replaced by SUBSTITUTED, and the
    commands they held."""
    out, inner, i = [], [], 0
    while i < len(text):
        if text.startswith("$(", i):
            depth, j = 1, i + 2
            while j < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            body = text[i + 2:j - 1]
            if body.startswith("("):  # $(( arithmetic )): only its own substitutions count
                inner.extend(_substitutions(body)[1])
            else:
                inner.append(body)
            out.append("SUBSTITUTED")
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out), inner


def _split(text: str) -> Iterator[list[str]]:
    """The commands of one logical line: substitutions first, then the line itself."""
    text, inner = _substitutions(text)
    for command in inner:
        yield from _split(command)
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    current: list[str] = []
    for token in lexer:
        if token in OPERATORS:
            if current:
                yield current
            current = []
        else:
            current.append(token)
    if current:
        yield current


#: Shell keywords of compound commands: `for x in ...` and `case` are no command of their own
#: (their words are data), `while`/`until`/`if`/`elif` run the command after them,
#: `do`/`then`/`else` prefix the command they run, `done`/`fi`/`esac` close.
PREFIX_KEYWORDS = ("do", "then", "else")
CLOSING_KEYWORDS = ("done", "fi", "esac")


def _strip(words: list[str]) -> list[str]:
    """Drop shell keywords, leading variable assignments, `sudo` and its `-u USER`."""
    if words and words[0] in CLOSING_KEYWORDS:
        return []
    if words and words[0] in ("for", "case"):
        return []
    if words and words[0] in ("while", "until", "if", "elif"):
        words = words[1:]
    while words and words[0] in PREFIX_KEYWORDS:
        words = words[1:]
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        words = words[1:]
    if words and words[0] == "sudo":
        words = words[1:]
        while words and words[0].startswith("-"):
            words = words[2:] if words[0] == "-u" else words[1:]
    return words


def _is_command_block(lang: str, body: str) -> bool:
    if lang in SHELL_LANGUAGES:
        return True
    if lang:
        return False
    lines = [line for line in body.splitlines() if line.strip()]
    return bool(lines) and all(_program(line.split()[0]) in KNOWN for line in lines)


def collect(path: Path) -> list[Command]:
    """Every command of one Markdown document, in order."""
    text = path.read_text()
    found = []
    for block in FENCE.finditer(text):
        if not _is_command_block(block["lang"], block["body"]):
            continue
        first_line = text.count("\n", 0, block.start("body")) + 1
        logical: list[tuple[int, str]] = []
        pending: list[str] = []
        start = 0
        for offset, raw in enumerate(block["body"].splitlines()):
            stripped = raw.rstrip()
            if not pending:
                start = offset
            if stripped.endswith("\\"):
                pending.append(stripped[:-1])
                continue
            logical.append((first_line + start, " ".join([*pending, stripped])))
            pending = []
        for line_no, line in logical:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            for words in _split(PLACEHOLDER.sub("PLACEHOLDER", line)):
                words = _strip(words)
                if words:
                    found.append(Command(path.name, line_no, tuple(words)))
    return found


ALL = [command for document in DOCUMENTS for command in collect(document)]


def test_the_collector_finds_the_runbooks_commands() -> None:
    seen = {(c.document, " ".join(c.words[:2])) for c in ALL}
    assert ("README.md", "pulumi install") in seen
    assert ("DISASTER_RECOVERY.md", "aws rds") in seen
    assert ("STATE.md", "pulumi stack") in seen
    assert any(c.document == "PLAN.md" and _program(c.words[0]) == "forge-infra" for c in ALL)


def test_the_collector_reads_shell_loops(tmp_path: Path) -> None:
    doc = tmp_path / "LOOP.md"
    doc.write_text("```bash\nfor role in a b; do\n  gcloud projects add-iam-policy-binding p "
                   "--role $role\ndone\nif pulumi whoami; then pulumi up; fi\n```\n")
    assert [c.words[:3] for c in collect(doc)] == [
        ("gcloud", "projects", "add-iam-policy-binding"), ("pulumi", "whoami"),
        ("pulumi", "up")]


def test_the_collector_splits_and_joins(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("```bash\nA=1 sudo -u postgres pgbackrest --stanza=main \\\n  info  # x\n"
                   "echo \"$(openssl rand -hex 32)\" | tail -n 1 && cd /tmp\n```\n"
                   "```\nforge-infra stack dev (aws/ecs)\n├── not a command\n```\n")
    assert [c.words for c in collect(doc)] == [
        ("pgbackrest", "--stanza=main", "info"), ("openssl", "rand", "-hex", "32"),
        ("echo", "SUBSTITUTED"), ("tail", "-n", "1"), ("cd", "/tmp")]
    assert [c.line for c in collect(doc)][:2] == [2, 4]


#: Pulumi options that take a value (`--stack dev`), so the value is no subcommand.
PULUMI_VALUE_OPTIONS = {"--stack", "-s", "--message", "-m", "--file", "--parent", "--cwd", "-C",
                        "--policy-pack", "--policy-pack-config", "--secrets-provider",
                        "--replace", "--target", "--parallel", "-p", "--config-file"}


def _arguments(words: tuple[str, ...], value_options: set[str]) -> list[str]:
    """The words that are neither options nor the values of `value_options`."""
    rest, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in value_options:
            skip = True
        elif not word.startswith("-"):
            rest.append(word)
    return rest


def check_real(words: tuple[str, ...]) -> str | None:
    """Why `words` is not a real CLI and subcommand, or None."""
    program = _program(words[0])
    rest = _arguments(words[1:], PULUMI_VALUE_OPTIONS if program == "pulumi" else set())
    if program == "pulumi":
        if not rest or rest[0] not in PULUMI:
            return f"pulumi has no command {rest[:1]}"
        subs = PULUMI[rest[0]]
        if subs is not None and len(rest) >= 2 and rest[1] not in subs:
            return f"pulumi {rest[0]} has no subcommand {rest[1:2]}"
        return None
    if program in ("aws", "gcloud", "az"):
        groups = {"aws": AWS_SERVICES, "gcloud": GCLOUD_GROUPS, "az": AZ_GROUPS}[program]
        if not rest or rest[0] not in groups:
            return f"{program} has no service or group {rest[:1]}"
        if rest[0] in STANDALONE[program] and (len(rest) < 2 or rest[1].startswith("-")):
            return None
        if len(rest) < 2 or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rest[1]):
            return f"{program} {rest[0]} needs a subcommand, not {rest[1:2]}"
        return None
    if program == "pgbackrest":
        return None if rest and rest[-1] in PGBACKREST else f"pgbackrest command {rest[-1:]}"
    if program in SUBCOMMANDS:
        if words[1:2] and words[1] == "-m":  # python -m pip ... is not this
            return None
        return None if rest and rest[0] in SUBCOMMANDS[program] else (
            f"{program} has no subcommand {rest[:1]}")
    if program in PLAIN:
        return None
    return f"unknown program {program!r}"


@pytest.mark.parametrize("command", [c for c in ALL if _program(c.words[0]) != "forge-infra"],
                         ids=lambda c: f"{c.document}:{c.line}")
def test_each_command_names_a_real_cli_and_subcommand(command) -> None:
    assert check_real(command.words) is None, f"{command.where()}: {check_real(command.words)}"


def test_the_check_refuses_made_up_commands() -> None:
    assert check_real(("pulumi", "deploy")) == "pulumi has no command ['deploy']"
    assert check_real(("pulumi", "stack", "--stack", "dev", "--show-urns")) is None
    assert check_real(("pulumi", "stack", "backup")) == (
        "pulumi stack has no subcommand ['backup']")
    assert check_real(("aws", "rdss", "describe-db-instances")) == (
        "aws has no service or group ['rdss']")
    assert check_real(("gcloud", "services", "Enable")) == (
        "gcloud services needs a subcommand, not ['Enable']")
    assert check_real(("az", "provider", "register", "--namespace", "Microsoft.App")) is None
    assert check_real(("terraform", "apply")) == "unknown program 'terraform'"


@pytest.fixture(scope="module")
def scratch_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's Pulumi files, where the documented commands write theirs."""
    target = tmp_path_factory.mktemp("project")
    for path in [ROOT / "Pulumi.yaml", *ROOT.glob("Pulumi.*.yaml")]:
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="module")
def memoised_plans() -> Iterator[None]:
    """Plan each stack once for the module (plans are byte-identical across runs), for the
    three commands (plan, cost, check)."""
    original = cli_module.run_plan
    modules = (cli_module, cost_cli, policy_cli)
    plans: dict[str, Plan] = {}

    def run_plan(stack: str, project_dir: Path | str = ".", **kwargs: object) -> Plan:
        if kwargs:
            return original(stack, project_dir, **kwargs)  # type: ignore[arg-type]
        if stack not in plans:
            plans[stack] = original(stack, project_dir)
        return plans[stack]

    for module in modules:
        module.run_plan = run_plan  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module in modules:
            module.run_plan = original  # type: ignore[attr-defined]


OFFLINE = [c for c in ALL if _program(c.words[0]) == "forge-infra"]


@pytest.mark.parametrize("command", OFFLINE, ids=lambda c: f"{c.document}:{c.line}")
def test_each_offline_command_runs(command, scratch_project, memoised_plans) -> None:
    assert "PLACEHOLDER" not in command.words, f"{command.where()}: a placeholder"
    args = list(command.words[1:])
    redirect = None
    if ">" in args:  # `... --json - > plan.json`: standard output to a file
        at = args.index(">")
        args, redirect = args[:at], args[at + 1]
    for flag in ("-C", "--project-dir"):  # the documented project folder: the scratch copy
        if flag in args:
            args[args.index(flag) + 1] = str(scratch_project)
    cwd = Path.cwd()
    os.chdir(scratch_project)
    try:
        result = CliRunner().invoke(cli_module.main, args)
        if redirect is not None:
            Path(redirect).write_text(result.stdout)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, f"{command.where()}: exit {result.exit_code}\n{result.output}"
