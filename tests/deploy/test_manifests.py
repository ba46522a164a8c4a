"""Checks of deploy/: the Kubernetes manifests, the compose file and the Dockerfile.

Kubernetes objects are validated offline against the JSON schemas that kubernetes-validate ships
(strict: an unknown or misspelt field fails), then for what no schema knows: probes, resources,
secrets only from the `kessos-secrets` Secret, and the wiring between Deployments, Services,
autoscalers and disruption budgets. Each fact is a `*_problems` function returning messages; the
`test_checks_notice_*` tests break a copy of the files and make sure the functions object, so that
a check cannot pass whatever the files say.

No database, no Docker: plain files only.
"""

import copy
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
KUSTOMIZATION = K8S / "kustomization.yaml"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = DEPLOY / "Dockerfile.dockerignore"

SERVICES = {"registry": 8001, "programs": 8002, "disaster": 8003}
WORKER = "worker"
NAMESPACE = "kessos"
IMAGE = "ghcr.io/kessos/kessos:0.1.0"
CONFIGMAP = "kessos-config"
SECRET_OBJECT = "kessos-secrets"  # noqa: S105 - the name of the Secret ops create
SECRET_ENV = ("DATABASE_URL", "REDIS_URL", "KESSOS_JWT_SECRET")
# The oldest Kubernetes the manifests must work on, and the newest schema kubernetes-validate ships.
K8S_VERSIONS = ("1.29", kubernetes_validate.latest_version())

Obj = dict[str, Any]


# ---------------------------------------------------------------- loading


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"})


def load_docs(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def manifest_files() -> list[Path]:
    return sorted(p for p in K8S.glob("*.y*ml") if p != KUSTOMIZATION)


def k8s_objects() -> list[tuple[str, Obj]]:
    """(file name, object) for every Kubernetes object, freshly parsed (callers may mutate them)."""
    return [(path.name, doc) for path in manifest_files() for doc in load_docs(path)]


def objects() -> list[Obj]:
    return [obj for _, obj in k8s_objects()]


def of_kind(objs: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objs if o.get("kind") == kind]


def named(objs: list[Obj], kind: str, name: str) -> Obj | None:
    return next((o for o in of_kind(objs, kind) if o["metadata"]["name"] == name), None)


def workloads(objs: list[Obj]) -> list[Obj]:
    return [o for o in objs if o.get("kind") in {"Deployment", "Job"}]


def pod_spec(obj: Obj) -> Obj:
    return obj["spec"]["template"]["spec"]


def pod_labels(obj: Obj) -> dict[str, str]:
    return obj["spec"]["template"]["metadata"].get("labels", {})


def containers(obj: Obj) -> list[Obj]:
    spec = pod_spec(obj)
    return [*spec.get("initContainers", []), *spec["containers"]]


def argv(container: Obj) -> list[str]:
    return [*container.get("command", []), *container.get("args", [])]


def ref(obj: Obj) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def port_of(container: Obj, port: int | str) -> int | None:
    """The container port a probe or Service targets, by number or by name."""
    for p in container.get("ports", []):
        if port in (p["containerPort"], p.get("name")):
            return int(p["containerPort"])
    return None


# ---------------------------------------------------------------- Kubernetes checks


def resources_problems(objs: list[Obj]) -> list[str]:
    problems = []
    for obj in workloads(objs):
        for c in containers(obj):
            res = c.get("resources", {})
            for part in ("requests", "limits"):
                missing = {"cpu", "memory"} - set(res.get(part) or {})
                if missing:
                    problems.append(f"{ref(obj)} container {c['name']}: no {part} for {sorted(missing)}")
    return problems


def probes_problems(objs: list[Obj]) -> list[str]:
    problems = []
    for name in SERVICES:
        dep = named(objs, "Deployment", name)
        if dep is None:
            problems.append(f"no Deployment {name}")
            continue
        for c in pod_spec(dep)["containers"]:
            for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
                http = (c.get(probe) or {}).get("httpGet") or {}
                if http.get("path") != path:
                    problems.append(f"{ref(dep)}: {probe} must GET {path}, has {http.get('path')!r}")
                elif port_of(c, http.get("port", "")) is None:
                    problems.append(f"{ref(dep)}: {probe} port {http.get('port')!r} is not a container port")
    return problems


def commands_problems(objs: list[Obj]) -> list[str]:
    problems = []
    for name, port in SERVICES.items():
        dep = named(objs, "Deployment", name)
        if dep is None:
            problems.append(f"no Deployment {name}")
            continue
        (c,) = pod_spec(dep)["containers"]
        args = argv(c)
        if args[:3] != ["kessos", "serve", name]:
            problems.append(f"{ref(dep)} runs {args}, not `kessos serve {name}`")
        if "--host" not in args or args[args.index("--host") + 1] != "0.0.0.0":
            problems.append(f"{ref(dep)} must bind --host 0.0.0.0")
        served = int(args[args.index("--port") + 1]) if "--port" in args else port
        if served != port or port_of(c, port) is None:
            problems.append(f"{ref(dep)} must serve and declare containerPort {port}")
    worker = named(objs, "Deployment", WORKER)
    if worker is None:
        problems.append("no worker Deployment")
    else:
        (c,) = pod_spec(worker)["containers"]
        if argv(c) != ["kessos", "worker"]:
            problems.append(f"{ref(worker)} runs {argv(c)}, not `kessos worker`")
        if c.get("ports"):
            problems.append("the worker listens on no port")
    return problems


def migration_problems(objs: list[Obj]) -> list[str]:
    jobs = [j for j in of_kind(objs, "Job") if any(argv(c) == ["kessos", "migrate"] for c in containers(j))]
    if len(jobs) != 1:
        return [f"expected one Job running `kessos migrate`, found {len(jobs)}"]
    (job,) = jobs
    problems = []
    if not isinstance(job["spec"].get("backoffLimit"), int):
        problems.append(f"{ref(job)} has no backoffLimit")
    if not isinstance(job["spec"].get("ttlSecondsAfterFinished"), int):
        problems.append(f"{ref(job)} has no ttlSecondsAfterFinished")
    if pod_spec(job).get("restartPolicy") not in {"Never", "OnFailure"}:
        problems.append(f"{ref(job)} needs restartPolicy Never or OnFailure")
    return problems


def secrets_problems(objs: list[Obj]) -> list[str]:
    """DATABASE_URL, REDIS_URL and KESSOS_JWT_SECRET reach every process from the Secret only."""
    problems = []
    for obj in workloads(objs):
        for c in containers(obj):
            env = {e["name"]: e for e in c.get("env", [])}
            for name in SECRET_ENV:
                entry = env.get(name)
                key_ref = ((entry or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
                if entry is None:
                    problems.append(f"{ref(obj)} container {c['name']}: {name} is not set")
                elif "value" in entry or key_ref.get("name") != SECRET_OBJECT or key_ref.get("key") != name:
                    problems.append(
                        f"{ref(obj)} container {c['name']}: {name} must come from "
                        f"secretKeyRef {SECRET_OBJECT}/{name}, has {entry}"
                    )
            for e in c.get("env", []):
                if "value" in e and re.search(r"SECRET|PASSWORD|TOKEN|_KEY$", e["name"]):
                    problems.append(f"{ref(obj)} container {c['name']}: literal value for {e['name']}")
    for cm in of_kind(objs, "ConfigMap"):
        for key, value in (cm.get("data") or {}).items():
            if key in SECRET_ENV or re.search(r"SECRET|PASSWORD|TOKEN", key):
                problems.append(f"{ref(cm)} holds {key}, which belongs in the Secret")
            elif re.search(r"://[^/@\s]+:[^/@\s]+@", str(value)):
                problems.append(f"{ref(cm)} {key} carries credentials")
    problems += [f"{ref(s)}: secrets are created by ops, not kept here" for s in of_kind(objs, "Secret")]
    return problems


def config_problems(objs: list[Obj]) -> list[str]:
    problems = []
    configmaps = {cm["metadata"]["name"]: cm for cm in of_kind(objs, "ConfigMap")}
    for obj in workloads(objs):
        for c in containers(obj):
            refs = [e["configMapRef"]["name"] for e in c.get("envFrom", []) if "configMapRef" in e]
            if refs != [CONFIGMAP]:
                problems.append(
                    f"{ref(obj)} container {c['name']}: envFrom must be the {CONFIGMAP} ConfigMap"
                )
            problems += [f"{ref(obj)}: ConfigMap {r} does not exist" for r in refs if r not in configmaps]
    data = (configmaps.get(CONFIGMAP) or {}).get("data") or {}
    if data.get("KESSOS_ENVIRONMENT") != "production":
        problems.append(f"{CONFIGMAP} must set KESSOS_ENVIRONMENT=production")
    for name, port in SERVICES.items():
        url = data.get(f"KESSOS_{name.upper()}_URL")
        service = named(objs, "Service", name)
        ports = [p["port"] for p in (service or {}).get("spec", {}).get("ports", [])]
        if url != f"http://{name}:{port}" or port not in ports:
            problems.append(f"KESSOS_{name.upper()}_URL={url!r} does not reach Service {name} port {port}")
    return problems


def services_problems(objs: list[Obj]) -> list[str]:
    problems = []
    for name, port in SERVICES.items():
        dep, svc = named(objs, "Deployment", name), named(objs, "Service", name)
        if dep is None or svc is None:
            problems.append(f"{name} needs a Deployment and a Service")
            continue
        if svc["spec"].get("type", "ClusterIP") != "ClusterIP":
            problems.append(f"{ref(svc)} must be ClusterIP")
        if not selects(svc["spec"].get("selector", {}), pod_labels(dep)):
            problems.append(f"{ref(svc)} does not select the pods of {ref(dep)}")
        (c,) = pod_spec(dep)["containers"]
        for p in svc["spec"]["ports"]:
            if p["port"] != port or port_of(c, p.get("targetPort", p["port"])) != port:
                problems.append(f"{ref(svc)} port {p} does not reach containerPort {port}")
    for svc in of_kind(objs, "Service"):
        for dep in of_kind(objs, "Deployment"):
            if (
                selects(svc["spec"].get("selector", {}), pod_labels(dep))
                and svc["metadata"]["name"] != (dep["metadata"]["name"])
            ):
                problems.append(f"{ref(svc)} also selects the pods of {ref(dep)}")
    return problems


def autoscaling_problems(objs: list[Obj]) -> list[str]:
    problems = []
    deployments = {d["metadata"]["name"] for d in of_kind(objs, "Deployment")}
    targets: dict[str, Obj] = {}
    for hpa in of_kind(objs, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        if target.get("kind") != "Deployment" or target.get("apiVersion") != "apps/v1":
            problems.append(f"{ref(hpa)} must target an apps/v1 Deployment")
        elif target["name"] not in deployments:
            problems.append(f"{ref(hpa)} targets a Deployment that does not exist: {target['name']}")
        else:
            targets[target["name"]] = hpa
    for name in sorted(deployments):
        scaler = targets.get(name)
        if scaler is None:
            problems.append(f"no HorizontalPodAutoscaler for Deployment {name}")
            continue
        cpu = [
            m
            for m in scaler["spec"].get("metrics", [])
            if m.get("type") == "Resource"
            and m["resource"]["name"] == "cpu"
            and m["resource"]["target"]["type"] == "Utilization"
        ]
        if not cpu:
            problems.append(f"{ref(scaler)} has no CPU utilisation target")
        # With minAvailable: 1 a single replica could never be evicted: node drains would hang.
        if scaler["spec"].get("minReplicas", 1) < 2:
            problems.append(
                f"{ref(scaler)} needs minReplicas >= 2 for its PodDisruptionBudget to allow drains"
            )
        if "replicas" in (named(objs, "Deployment", name) or {}).get("spec", {}):
            problems.append(f"Deployment {name} sets replicas, which fights its autoscaler on every apply")
    return problems


def disruption_problems(objs: list[Obj]) -> list[str]:
    problems = []
    pdbs = of_kind(objs, "PodDisruptionBudget")
    for dep in of_kind(objs, "Deployment"):
        covering = [
            p for p in pdbs if selects(p["spec"].get("selector", {}).get("matchLabels", {}), pod_labels(dep))
        ]
        if len(covering) != 1:
            problems.append(f"{ref(dep)} is covered by {len(covering)} PodDisruptionBudgets, expected 1")
        elif covering[0]["spec"].get("minAvailable") != 1:
            problems.append(f"{ref(covering[0])} must have minAvailable: 1")
    for pdb in pdbs:
        matched = [
            d
            for d in of_kind(objs, "Deployment")
            if selects(pdb["spec"].get("selector", {}).get("matchLabels", {}), pod_labels(d))
        ]
        if len(matched) != 1:
            problems.append(f"{ref(pdb)} selects {len(matched)} Deployments, expected 1")
    return problems


def security_problems(objs: list[Obj]) -> list[str]:
    problems = []
    for obj in workloads(objs):
        spec = pod_spec(obj)
        for c in containers(obj):
            ctx = {**(spec.get("securityContext") or {}), **(c.get("securityContext") or {})}
            if ctx.get("runAsNonRoot") is not True or ctx.get("runAsUser", 1) == 0:
                problems.append(f"{ref(obj)} container {c['name']} must run as non-root")
            if ctx.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{ref(obj)} container {c['name']} must set allowPrivilegeEscalation: false")
    return problems


def metadata_problems(objs: list[Obj]) -> list[str]:
    problems = []
    if named(objs, "Namespace", NAMESPACE) is None:
        problems.append(f"no Namespace {NAMESPACE}")
    for obj in objs:
        if obj["kind"] != "Namespace" and obj["metadata"].get("namespace") != NAMESPACE:
            problems.append(f"{ref(obj)} is not in namespace {NAMESPACE}")
    for obj in workloads(objs):
        for c in containers(obj):
            if c.get("image") != IMAGE:
                problems.append(f"{ref(obj)} container {c['name']} runs {c.get('image')}, not {IMAGE}")
    return problems


K8S_CHECKS: list[Callable[[list[Obj]], list[str]]] = [
    resources_problems,
    probes_problems,
    commands_problems,
    migration_problems,
    secrets_problems,
    config_problems,
    services_problems,
    autoscaling_problems,
    disruption_problems,
    security_problems,
    metadata_problems,
]


def validation_problem(obj: Obj, version: str) -> str | None:
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path)
        return f"{ref(obj)} against Kubernetes {exc.version}: {path}: {exc.message}"
    except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as exc:
        return f"{ref(obj)}: {exc.message}"
    return None


def kustomization_problems(kustomization: Obj) -> list[str]:
    problems = []
    if kustomization.get("apiVersion") != "kustomize.config.k8s.io/v1beta1" or (
        kustomization.get("kind") != "Kustomization"
    ):
        problems.append("kustomization.yaml is not a kustomize.config.k8s.io/v1beta1 Kustomization")
    listed = kustomization.get("resources") or []
    if len(listed) != len(set(listed)):
        problems.append(f"resources are listed twice: {listed}")
    files = {p.name for p in manifest_files()}
    problems += [f"{f} is not listed in kustomization.yaml" for f in sorted(files - set(listed))]
    problems += [f"kustomization.yaml lists {f}, which does not exist" for f in sorted(set(listed) - files)]
    repository, _, tag = IMAGE.rpartition(":")
    images = {i["name"]: i for i in kustomization.get("images") or []}
    if repository in images and images[repository].get("newTag", tag) != tag:
        problems.append(f"kustomization.yaml retags {repository} to something other than {tag}")
    if kustomization.get("namespace", NAMESPACE) != NAMESPACE:
        problems.append(f"kustomization.yaml must keep namespace {NAMESPACE}")
    return problems


# ---------------------------------------------------------------- compose checks

KESSOS_COMPOSE = ["migrate", *SERVICES, WORKER]
REQUIRED_INTERPOLATION = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}$")


def compose_env(service: Obj) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def compose_command(service: Obj) -> list[str]:
    command = service.get("command") or []
    args = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
    return args[1:] if args[:1] == ["kessos"] else args


def compose_healthcheck(service: Obj) -> str:
    test = (service.get("healthcheck") or {}).get("test") or ""
    return test if isinstance(test, str) else " ".join(test)


def depends(service: Obj) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (cond or {}).get("condition", "service_started") for name, cond in deps.items()}


def compose_problems(compose: Obj) -> list[str]:
    problems = []
    services = compose.get("services") or {}
    expected = {"postgres", "redis", *KESSOS_COMPOSE}
    if set(services) != expected:
        problems.append(f"compose services are {sorted(services)}, expected {sorted(expected)}")
        return problems

    pg, redis = services["postgres"], services["redis"]
    if not re.match(r"^postgres:1[6-9]\b", str(pg.get("image"))):
        problems.append(f"postgres runs {pg.get('image')}, expected postgres:16 or later")
    if not any(
        str(v).split(":")[0] in (compose.get("volumes") or {}) and "/var/lib/postgresql" in str(v)
        for v in pg.get("volumes", [])
    ):
        problems.append("postgres keeps its data in no named volume")
    if "pg_isready" not in compose_healthcheck(pg):
        problems.append("postgres has no pg_isready healthcheck")
    if not str(redis.get("image", "")).startswith("redis:7") or not compose_healthcheck(redis):
        problems.append("redis must be redis:7 with a healthcheck")

    images = {
        (str(services[n].get("image")), json.dumps(services[n].get("build"), sort_keys=True))
        for n in KESSOS_COMPOSE
    }
    if len(images) != 1:
        problems.append(f"the Kessos services must share one image and build: {images}")
    for name in KESSOS_COMPOSE:
        build = services[name].get("build")
        if (
            not isinstance(build, dict)
            or (DEPLOY / build.get("context", ".") / build.get("dockerfile", "Dockerfile")).resolve()
            != DOCKERFILE
        ):
            problems.append(f"{name} is not built from deploy/Dockerfile: {build}")
        elif (DEPLOY / build["context"]).resolve() != ROOT:
            problems.append(f"{name}'s build context must be the repository root")

    migrate = services["migrate"]
    if compose_command(migrate) != ["migrate"]:
        problems.append(f"migrate runs {compose_command(migrate)}")
    if migrate.get("restart") != "no":
        problems.append(f'migrate must have restart: "no", has {migrate.get("restart")!r}')
    if depends(migrate).get("postgres") != "service_healthy":
        problems.append("migrate must wait for postgres to be healthy")

    for name in [*SERVICES, WORKER]:
        deps = depends(services[name])
        if deps.get("migrate") != "service_completed_successfully":
            problems.append(f"{name} must depend on migrate: service_completed_successfully")
        if deps.get("redis") != "service_healthy":
            problems.append(f"{name} must depend on redis: service_healthy")
        if services[name].get("restart") in (None, "no"):
            problems.append(f"{name} must restart")
    for name, port in SERVICES.items():
        command = compose_command(services[name])
        if (
            command[:2] != ["serve", name]
            or "--host" not in command
            or (command[command.index("--host") + 1] != "0.0.0.0")
        ):
            problems.append(f"{name} runs {command}, not `kessos serve {name} --host 0.0.0.0`")
        check = compose_healthcheck(services[name])
        if "/readyz" not in check or str(port) not in check:
            problems.append(f"{name}'s healthcheck must GET /readyz on port {port}: {check!r}")
    worker = services[WORKER]
    if compose_command(worker) != ["worker"]:
        problems.append(f"worker runs {compose_command(worker)}")
    for name, port in SERVICES.items():
        url = compose_env(worker).get(f"KESSOS_{name.upper()}_URL")
        if url != f"http://{name}:{port}":
            problems.append(f"worker's KESSOS_{name.upper()}_URL is {url!r}, not http://{name}:{port}")

    for name, service in services.items():
        env = compose_env(service)
        if name in KESSOS_COMPOSE:
            problems += [f"{name} does not set {k}" for k in SECRET_ENV if not env.get(k)]
        for key, value in env.items():
            if re.search(r"SECRET|PASSWORD|TOKEN", key) and not REQUIRED_INTERPOLATION.match(value):
                problems.append(f"{name}: {key} must be ${{VAR:?message}} from the environment, is {value!r}")
            password = re.search(r"://[^/@:\s]+:(.*)@[^@]*$", value)
            if password and not REQUIRED_INTERPOLATION.match(password.group(1)):
                problems.append(f"{name}: {key} embeds a literal password")
    return problems


# ---------------------------------------------------------------- Dockerfile checks


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        word, _, rest = (pending + line).partition(" ")
        instructions.append((word.upper(), rest.strip()))
        pending = ""
    return instructions


def dockerignore_entries() -> set[str]:
    lines = DOCKERIGNORE.read_text().splitlines() if DOCKERIGNORE.is_file() else []
    return {ln.strip().strip("/") for ln in lines if ln.strip() and not ln.startswith("#")}


def dockerfile_problems(text: str) -> list[str]:
    problems = []
    instructions = dockerfile_instructions(text)
    first_from = next((i for i, (word, _) in enumerate(instructions) if word == "FROM"), None)
    if first_from is None:
        return ["the Dockerfile has no FROM"]
    global_args = {}
    for word, rest in instructions[:first_from]:
        if word == "ARG" and "=" in rest:
            key, _, value = rest.partition("=")
            global_args[key.strip()] = value.strip().strip('"')

    def expand(value: str) -> str:
        return re.sub(r"\$\{?(\w+)\}?", lambda m: global_args.get(m.group(1), m.group(0)), value)

    stages = [i for i, (word, _) in enumerate(instructions) if word == "FROM"]
    if len(stages) < 2:
        problems.append("the Dockerfile must be multi-stage")
    final = instructions[stages[-1] :]
    base = expand(final[0][1].split()[0])
    if not re.match(r"^python:3\.1[1-9](\.\d+)*-slim", base):
        problems.append(f"the final stage is FROM {base}, expected python:3.11+-slim")

    users = [rest for word, rest in final if word == "USER"]
    user = users[-1].split(":")[0] if users else "root"
    # Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
    if not user.isdigit() or int(user) == 0:
        problems.append(f"the final stage must end with a numeric non-root USER, has {user!r}")

    def exec_form(word: str) -> Any:
        found = [rest for w, rest in final if w == word]
        try:
            return json.loads(found[-1]) if found else None
        except json.JSONDecodeError:
            return found[-1]  # shell form: a string, never equal to a list

    if (entrypoint := exec_form("ENTRYPOINT")) != ["kessos"]:
        problems.append(f'ENTRYPOINT must be ["kessos"] (exec form), is {entrypoint!r}')
    if not isinstance(cmd := exec_form("CMD"), list) or cmd[:1] != ["serve"]:
        problems.append(f"CMD must default to a `serve` command (exec form), is {cmd!r}")

    runs = [rest for word, rest in instructions if word == "RUN"]
    syncs = [r for r in runs if "uv sync" in r]
    if not syncs:
        problems.append("no RUN installs with `uv sync`")
    for sync in syncs:
        for flag in ("--frozen", "--no-dev"):
            if flag not in sync.split():
                problems.append(f"`uv sync` without {flag}: {sync}")
    if not any("uv.lock" in rest for word, rest in instructions if word in {"COPY", "RUN"}):
        problems.append("uv.lock never reaches the build")

    exposed = {int(p.split("/")[0]) for word, rest in final if word == "EXPOSE" for p in rest.split()}
    if not set(SERVICES.values()) <= exposed:
        problems.append(f"EXPOSE {sorted(exposed)} does not cover {sorted(SERVICES.values())}")

    for word, rest in instructions:
        if word in {"ENV", "ARG"} and re.search(r"DATABASE_URL|REDIS_URL|SECRET|PASSWORD", rest):
            problems.append(f"{word} {rest}: secrets come from the environment at run time, never the image")

    ignored = dockerignore_entries()
    for word, rest in instructions:
        if word != "COPY" or "--from" in rest:
            continue
        sources = [s for s in rest.split() if not s.startswith("--")][:-1]
        for source in sources:
            if not (ROOT / source).exists():
                problems.append(f"COPY {source}: not in the repository")
            elif source.strip("/").split("/")[0] in ignored:
                problems.append(f"COPY {source}: excluded by {DOCKERIGNORE.name}")
    return problems


def dockerignore_problems(entries: set[str]) -> list[str]:
    required = {".venv", ".kessos", ".git", "tests", "bench"}
    return [f"{DOCKERIGNORE.name} does not exclude {e}" for e in sorted(required - entries)]


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_yaml_parses(path: Path) -> None:
    docs = load_docs(path)
    assert docs, f"{path} holds no YAML document"
    assert all(isinstance(doc, dict) for doc in docs)


def _object_cases() -> list[Any]:
    return [
        pytest.param(obj, version, id=f"{file}:{ref(obj)}@{version}")
        for file, obj in k8s_objects()
        for version in K8S_VERSIONS
    ]


@pytest.mark.parametrize(("obj", "version"), _object_cases())
def test_kubernetes_object_is_valid(obj: Obj, version: str) -> None:
    problem = validation_problem(obj, version)
    assert problem is None, problem


def test_manifests_hold_the_expected_objects() -> None:
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in objects())
    deployments = [*SERVICES, WORKER]
    assert kinds == sorted(
        [
            ("Namespace", NAMESPACE),
            ("ConfigMap", CONFIGMAP),
            ("Job", "kessos-migrate"),
            *[("Deployment", n) for n in deployments],
            *[("Service", n) for n in SERVICES],
            *[("HorizontalPodAutoscaler", n) for n in deployments],
            *[("PodDisruptionBudget", n) for n in deployments],
        ]
    )


@pytest.mark.parametrize("check", K8S_CHECKS, ids=lambda f: f.__name__)
def test_kubernetes_manifests(check: Callable[[list[Obj]], list[str]]) -> None:
    assert check(objects()) == []


def test_kustomization_lists_every_manifest() -> None:
    (kustomization,) = load_docs(KUSTOMIZATION)
    assert kustomization_problems(kustomization) == []


def test_compose() -> None:
    (compose,) = load_docs(COMPOSE)
    assert compose_problems(compose) == []


def test_dockerfile() -> None:
    assert dockerfile_problems(DOCKERFILE.read_text()) == []


def test_dockerignore() -> None:
    assert dockerignore_problems(dockerignore_entries()) == []


# ---------------------------------------------------------------- the checks can fail


def _deployment(objs: list[Obj], name: str) -> Obj:
    dep = named(objs, "Deployment", name)
    assert dep is not None
    return dep


def _container(objs: list[Obj], name: str) -> Obj:
    return pod_spec(_deployment(objs, name))["containers"][0]


def _drop(objs: list[Obj], kind: str, name: str) -> None:
    objs.remove(named(objs, kind, name))  # type: ignore[arg-type]


def _literal_database_url(objs: list[Obj]) -> None:
    env = _container(objs, "programs")["env"]
    env[0] = {"name": "DATABASE_URL", "value": "postgresql://kessos:hunter2@db:5432/kessos"}


def _migrate_serves(objs: list[Obj]) -> None:
    pod_spec(of_kind(objs, "Job")[0])["containers"][0]["args"] = ["serve", "registry"]


BREAKAGES: dict[str, tuple[Callable[[list[Obj]], None], Callable[[list[Obj]], list[str]]]] = {
    "no readiness probe": (lambda o: _container(o, "registry").pop("readinessProbe"), probes_problems),
    "liveness on /readyz": (
        lambda o: _container(o, "disaster")["livenessProbe"]["httpGet"].update(path="/readyz"),
        probes_problems,
    ),
    "no limits": (lambda o: _container(o, WORKER)["resources"].pop("limits"), resources_problems),
    "literal DATABASE_URL": (_literal_database_url, secrets_problems),
    "no worker HPA": (lambda o: _drop(o, "HorizontalPodAutoscaler", WORKER), autoscaling_problems),
    "no PDB": (lambda o: _drop(o, "PodDisruptionBudget", "programs"), disruption_problems),
    "migration Job serves": (_migrate_serves, migration_problems),
    "root pod": (
        lambda o: pod_spec(_deployment(o, "registry"))["securityContext"].update(runAsNonRoot=False),
        security_problems,
    ),
    "Service misses its pods": (
        lambda o: named(o, "Service", "programs")["spec"]["selector"].update(  # type: ignore[index]
            {"app.kubernetes.io/component": "registry"}
        ),
        services_problems,
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_checks_notice_broken_manifests(breakage: str) -> None:
    objs = objects()
    breaking, check = BREAKAGES[breakage]
    assert check(objs) == []
    breaking(objs)
    assert check(objs) != []


def test_checks_notice_invalid_kubernetes_objects() -> None:
    dep = copy.deepcopy(_deployment(objects(), "registry"))
    _container([dep], "registry")["readinessProbe"]["httpGet"]["pathh"] = "/readyz"
    assert validation_problem(dep, K8S_VERSIONS[-1]) is not None


def test_checks_notice_unlisted_manifest() -> None:
    (kustomization,) = load_docs(KUSTOMIZATION)
    kustomization["resources"].remove("worker.yaml")
    assert kustomization_problems(kustomization) == ["worker.yaml is not listed in kustomization.yaml"]


@pytest.mark.parametrize(
    "breaking",
    [
        lambda c: c["services"]["migrate"].update(restart="on-failure"),
        lambda c: c["services"]["registry"]["depends_on"].pop("migrate"),
        lambda c: c["services"]["worker"]["environment"].update(
            {"KESSOS_JWT_SECRET": "a-literal-secret-0123456789abcdef"}
        ),
        lambda c: c["services"]["postgres"]["environment"].update({"POSTGRES_PASSWORD": "hunter2"}),
        lambda c: c["services"]["migrate"]["environment"].update(
            {"DATABASE_URL": "postgresql://kessos:hunter2@postgres:5432/kessos"}
        ),
        lambda c: c["services"]["programs"].pop("healthcheck"),
        lambda c: c["services"].pop("redis"),
    ],
    ids=["restart", "depends_on", "jwt secret", "postgres password", "url password", "healthcheck", "redis"],
)
def test_checks_notice_broken_compose(breaking: Callable[[Obj], Any]) -> None:
    (compose,) = load_docs(COMPOSE)
    # The anchors make services share one environment dict: give each its own before breaking one.
    for service in compose["services"].values():
        for key in ("environment", "depends_on"):
            if key in service:
                service[key] = copy.deepcopy(service[key])
    breaking(compose)
    assert compose_problems(compose) != []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("USER 10001:10001", "USER root"),
        ("USER 10001:10001", ""),
        ('ENTRYPOINT ["kessos"]', 'ENTRYPOINT ["python"]'),
        ("uv sync --frozen --no-dev --no-editable\n", "uv sync --no-dev --no-editable\n"),
        ("EXPOSE 8001 8002 8003", "EXPOSE 8001"),
        ("FROM python:${PYTHON_VERSION}-slim AS runtime", "FROM python:3.10 AS runtime"),
    ],
    ids=["root", "no user", "entrypoint", "unfrozen", "expose", "base"],
)
def test_checks_notice_broken_dockerfile(old: str, new: str) -> None:
    text = DOCKERFILE.read_text()
    assert old in text
    assert dockerfile_problems(text.replace(old, new)) != []
