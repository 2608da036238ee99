"""Drive the benchmark: own database, seeded data, the production server, wrk load, a table, JSON and a plot.

Started by bench/run, which installs what this needs first. Everything started here is
stopped here, on success, on error and on Ctrl-C.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from base64 import b64encode
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
LUA = BENCH_DIR / "wrk" / "scenario.lua"
PYTHON = PROJECT_DIR / ".venv" / "bin" / "python"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/tokensvc_bench")
CONNECTIONS = 8  # 2 gunicorn workers x 4 threads (gunicorn.conf.py): every connection is served at once
CHAINS_PER_RUN = CONNECTIONS

# (key, label, kind): `get` scenarios take a path and headers from the seeded state.
SCENARIOS = [
    ("ceiling", "(1) ceiling: trivial JSON view", "get"),
    ("me", "(2) Bearer GET /api/v2/me/", "get"),
    ("token_detail", "(3) Bearer GET /api/v2/tokens/{id}/", "get"),
    ("token_list", "(4) Bearer GET /api/v2/tokens/?page_size=200", "get"),
    ("basic_me", "(5) Basic GET /api/v2/me/", "get"),
    ("refresh", "(6) refresh grant, chained", "refresh"),
    ("create_revoke", "(7) create + revoke a PAT", "create_revoke"),
    ("bound_detail", "(8) bound Bearer GET /api/v2/tokens/{id}/", "get"),
    ("stock_me", "(9) stock OAuth2Authentication GET me", "get"),
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def machine() -> dict:
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    commit = subprocess.run(
        ["git", "-C", str(PROJECT_DIR), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "commit": commit,
    }


class Bench:
    def __init__(self, args):
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="tokensvc-bench-"))
        self.port = 18000 + os.getpid() % 1000
        self.server: subprocess.Popen | None = None
        self.database_url = POSTGRES_URL if args.db == "postgres" else f"sqlite:///{self.workdir / 'bench.sqlite3'}"
        self.env = {
            **os.environ,
            "SECRET_KEY": "benchmark-only-secret-key-not-for-production",
            "DEBUG": "false",
            "BENCHMARK": "true",
            "DATABASE_URL": self.database_url,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "STATIC_ROOT": str(self.workdir / "static"),
            # New PATs are announced by email: not to a terminal during a load run.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }
        self.state: dict = {}

    # Database ------------------------------------------------------------------------------

    def postgres_admin(self, statement: str) -> None:
        import psycopg2

        base, _, name = POSTGRES_URL.rpartition("/")
        connection = psycopg2.connect(base + "/postgres")
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement.format(name=name))
        finally:
            connection.close()

    def create_database(self) -> None:
        if self.args.db == "postgres":
            self.postgres_admin('DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.postgres_admin('CREATE DATABASE "{name}"')

    def drop_database(self) -> None:
        if self.args.db == "postgres":
            self.postgres_admin('DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def seed(self, tokens: int, chains: int) -> None:
        out = self.workdir / "state.json"
        started = time.monotonic()
        self.run_python(["bench/seed.py", "--out", str(out), "--tokens", str(tokens), "--chains", str(chains)])
        self.state = json.loads(out.read_text())
        (self.workdir / "chains.txt").write_text("\n".join(self.state["refresh_tokens"]) + "\n")
        log(f"seeded {tokens} tokens in {time.monotonic() - started:.1f}s")

    def run_python(self, arguments: list[str], quiet: bool = False) -> dict:
        """Run a Python child in the benchmark's environment; its wall time and peak memory."""
        started = time.monotonic()
        child = subprocess.Popen(
            [str(PYTHON), *arguments],
            cwd=PROJECT_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL if quiet else None,
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"error: {' '.join(arguments)} exited with {child.returncode}")
        return {"seconds": round(time.monotonic() - started, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}

    # Server --------------------------------------------------------------------------------

    def start_server(self) -> None:
        logfile = open(self.workdir / "server.log", "ab")  # noqa: SIM115  (closed with the server)
        self.server = subprocess.Popen(
            [str(PROJECT_DIR / "bin" / "serve-production"), "--skip-migrate"],
            cwd=PROJECT_DIR,
            env=self.env,
            stdout=logfile,
            stderr=logfile,
            start_new_session=True,  # its own process group: stopped with everything it started
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise SystemExit(f"error: the server exited; see {self.workdir / 'server.log'}")
            try:
                urllib.request.urlopen(self.url("/bench/ceiling/"), timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        raise SystemExit("error: the server did not answer within 60 s")

    def stop_server(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()
        self.server = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # Scenarios -----------------------------------------------------------------------------

    def get_target(self, key: str) -> tuple[str, dict]:
        state = self.state
        bearer = {"Authorization": f"Bearer {state['pat']['value']}"}
        basic = b64encode(f"{state['user']['username']}:{state['user']['password']}".encode()).decode()
        return {
            "ceiling": ("/bench/ceiling/", {}),
            "me": ("/api/v2/me/", bearer),
            "token_detail": (f"/api/v2/tokens/{state['pat']['id']}/", bearer),
            "token_list": ("/api/v2/tokens/?page_size=200", bearer),
            "basic_me": ("/api/v2/me/", {"Authorization": f"Basic {basic}"}),
            "bound_detail": (
                f"/api/v2/tokens/{state['bound']['id']}/",
                {"Authorization": f"Bearer {state['bound']['value']}"},
            ),
            "stock_me": ("/bench/stock/me/", bearer),
        }[key]

    def client_basic(self) -> str:
        client = self.state["client"]
        return b64encode(f"{client['id']}:{client['secret']}".encode()).decode()

    def wrk_arguments(self, key: str, kind: str, run: int) -> list[str]:
        if kind == "get":
            path, headers = self.get_target(key)
            return ["get", path, *(f"{name}: {value}" for name, value in headers.items())]
        if kind == "refresh":
            return ["refresh", str(self.workdir / "chains.txt"), str(run * CHAINS_PER_RUN), self.client_basic()]
        return ["create_revoke", self.state["pat"]["value"]]

    def wrk(self, key: str, kind: str, seconds: float, run: int) -> dict:
        command = [
            "wrk",
            f"-t{CONNECTIONS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            self.url(""),
            "--",
            *self.wrk_arguments(key, kind, run),
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        result = json.loads(output.strip().splitlines()[-1])
        result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
        return result

    def request(self, method: str, path: str, headers: dict, body: bytes | None = None) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(
            self.url(path), data=body, method=method, headers={**headers, "X-Bench-Queries": "1"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def probe_queries(self, key: str, kind: str) -> dict:
        """SQL statements (and writes) of one steady-state request, from the server's own count."""
        if kind == "get":
            path, headers = self.get_target(key)
            samples = [self.request("GET", path, headers) for _ in range(3)]
        elif kind == "refresh":
            # The chain no run uses: the last one seeded.
            token = self.state["refresh_tokens"][-1]
            headers = {
                "Authorization": f"Basic {self.client_basic()}",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            status, response_headers, body = self.request(
                "POST", "/api/o/token/", headers, f"grant_type=refresh_token&refresh_token={token}".encode()
            )
            self.state["refresh_tokens"][-1] = json.loads(body).get("refresh_token", token)
            samples = [(status, response_headers, body)]
        else:
            headers = {"Authorization": f"Bearer {self.state['pat']['value']}", "Content-Type": "application/json"}
            created = self.request("POST", "/api/v2/tokens/", headers, b'{"description": "probe", "scope": "read"}')
            token_id = json.loads(created[2])["id"]
            samples = [created, self.request("DELETE", f"/api/v2/tokens/{token_id}/", headers)]
        last = samples[-1] if kind == "get" else None
        for status, _, body in samples:
            if status >= 300:
                raise SystemExit(f"error: probe of {key} answered {status}: {body[:300]!r}")
        if last is not None:
            return {"queries": int(last[1]["X-Bench-Queries"]), "writes": int(last[1]["X-Bench-Writes"])}
        return {
            "queries": sum(int(headers["X-Bench-Queries"]) for _, headers, _ in samples) / len(samples),
            "writes": sum(int(headers["X-Bench-Writes"]) for _, headers, _ in samples) / len(samples),
        }

    def measure(self, key: str, kind: str) -> dict:
        seconds, runs = self.args.duration, self.args.runs
        self.wrk(key, kind, self.args.warmup, run=runs)  # warm-up: imports, caches, last_used
        probe = self.probe_queries(key, kind)
        results = [self.wrk(key, kind, seconds, run=index) for index in range(runs)]
        median = sorted(results, key=lambda result: result["rps"])[len(results) // 2]
        return {
            "rps": round(median["rps"], 1),
            "rps_runs": [round(result["rps"], 1) for result in results],
            "p50_ms": round(median["p50_us"] / 1000, 2),
            "p99_ms": round(median["p99_us"] / 1000, 2),
            "non_2xx": sum(result["non_2xx"] for result in results),
            "socket_errors": sum(result["socket_errors"] for result in results),
            **probe,
            "load_average": load_average(),
        }

    def run_scenarios(self) -> dict:
        rows = {}
        for key, label, kind in SCENARIOS:
            log(f"{label} ...")
            rows[key] = {"label": label, **self.measure(key, kind)}
        ceiling = rows["ceiling"]["rps"]
        for row in rows.values():
            row["ratio"] = round(row["rps"] / ceiling, 3)
        rows["stock_me"]["ours_vs_stock"] = round(rows["me"]["rps"] / rows["stock_me"]["rps"], 2)
        return rows

    # Scale (PostgreSQL) ----------------------------------------------------------------------

    def run_scale(self) -> dict:
        sizes = [1_000, 10_000, 100_000] if self.args.quick else [1_000, 100_000, 1_000_000]
        visible = 500  # the requesting user's own tokens; the rest belong to another user
        present = visible + 2 * CONNECTIONS * (self.args.runs + 2) + 2
        other = self.state["other_user_id"]
        result: dict = {"sizes": {}, "commands": {}}
        for size in sizes:
            if size > present:
                started = time.monotonic()
                self.run_python(["bench/seed.py", "--add-filler", str(size - present), "--filler-user", str(other)])
                log(f"{size} tokens: added {size - present} in {time.monotonic() - started:.1f}s")
                present = size
            result["sizes"][str(size)] = {key: self.measure(key, "get") for key in ("me", "token_list")}
            if size == sizes[1]:
                result["commands"] = self.run_commands(size)
        return result

    def run_commands(self, size: int) -> dict:
        """The bulk commands on about `size` tokens, each with its wall time and peak memory."""
        other = self.state["other_user_id"]
        commands = {
            "revoke_oauth2_tokens --user other": self.run_python(
                ["manage.py", "revoke_oauth2_tokens", "--user", "other"], quiet=True
            )
        }
        self.run_python(["bench/seed.py", "--add-filler", str(size), "--filler-user", str(other)])
        commands["user_tokens_revoke (the API's bulk revoke)"] = self.run_python(
            [
                "manage.py",
                "shell",
                "-c",
                "from tokens.services import user_tokens_revoke; from users.models import User; "
                "print(user_tokens_revoke(actor=None, user=User.objects.get(username='other'), reason='bench'))",
            ],
            quiet=True,
        )
        self.run_python(["bench/seed.py", "--add-filler", str(size), "--filler-user", str(other), "--expired"])
        commands["cleanup_tokens"] = self.run_python(["manage.py", "cleanup_tokens"], quiet=True)
        for name, figures in commands.items():
            log(f"{name}: {figures['seconds']} s, peak {figures['peak_rss_mb']} MB")
        return {"tokens": size, **commands}

    # Main ----------------------------------------------------------------------------------

    def run(self) -> dict:
        started = datetime.now(UTC)
        load_before = load_average()
        self.create_database()
        chains = CHAINS_PER_RUN * (self.args.runs + 1) + 1  # a set per run and the warm-up, one to probe
        self.seed(500 if self.args.scale else self.args.tokens, chains)
        self.start_server()
        body = self.run_scale() if self.args.scale else self.run_scenarios()
        return {
            "date": started.isoformat(timespec="seconds"),
            "machine": machine(),
            "database": self.args.db,
            "mode": "scale" if self.args.scale else ("quick" if self.args.quick else "full"),
            "settings": {
                "server": "gunicorn, gunicorn.conf.py defaults (2 workers x 4 threads)",
                "load": f"wrk -t{CONNECTIONS} -c{CONNECTIONS}",
                "seconds_per_run": self.args.duration,
                "runs": self.args.runs,
                "tokens": self.args.tokens,
            },
            "load_average_before": load_before,
            "load_average_after": load_average(),
            "elapsed_seconds": round((datetime.now(UTC) - started).total_seconds()),
            ("scale" if self.args.scale else "scenarios"): body,
        }

    def cleanup(self) -> None:
        self.stop_server()
        try:
            self.drop_database()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)


def print_table(result: dict) -> None:
    machine_info = result["machine"]
    print(
        f"\n{result['date']}  {result['database']}  {result['mode']}  {machine_info['cores']} cores, "
        f"{machine_info['memory_gb']} GB  load average {result['load_average_before']} -> "
        f"{result['load_average_after']}"
    )
    if "scenarios" in result:
        print(f"{'scenario':<46} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8} {'writes':>7} {'ratio':>6}")
        for row in result["scenarios"].values():
            print(
                f"{row['label']:<46} {row['rps']:>8.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
                f"{row['queries']:>8g} {row['writes']:>7g} {row['ratio']:>6.3f}"
                + (f"  non-2xx: {row['non_2xx']}" if row["non_2xx"] else "")
            )
        print(f"ours vs stock OAuth2Authentication on GET me: {result['scenarios']['stock_me']['ours_vs_stock']}x")
        return
    print(f"{'tokens':>9} {'scenario':<46} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8}")
    for size, rows in result["scale"]["sizes"].items():
        for key, row in rows.items():
            label = dict((k, label) for k, label, _ in SCENARIOS)[key]
            figures = f"{row['rps']:>8.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['queries']:>8g}"
            print(f"{size:>9} {label:<46} {figures}")
    for name, figures in result["scale"]["commands"].items():
        if isinstance(figures, dict):
            print(f"{name}: {figures['seconds']} s, peak RSS {figures['peak_rss_mb']} MB")


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5))
    title = f"tokensvc on {result['database']}, {result['date'][:10]}, {result['machine']['cores']} cores"
    if "scenarios" in result:
        rows = list(result["scenarios"].values())
        labels = [row["label"] for row in rows][::-1]
        ratios = [row["ratio"] for row in rows][::-1]
        bars = axes.barh(labels, ratios, color="#4878a8")
        for bar, row in zip(bars, rows[::-1], strict=True):
            axes.text(bar.get_width() + 0.01, bar.get_y() + bar.get_height() / 2, f"{row['rps']:.0f}/s", va="center")
        axes.set_xlabel("requests/s as a fraction of the ceiling (median of runs)")
        axes.set_xlim(0, 1.15)
    else:
        sizes = list(result["scale"]["sizes"])
        for key in ("me", "token_list"):
            axes.plot(
                [int(size) for size in sizes],
                [result["scale"]["sizes"][size][key]["p50_ms"] for size in sizes],
                marker="o",
                label=dict((k, label) for k, label, _ in SCENARIOS)[key],
            )
        axes.set_xscale("log")
        axes.set_xlabel("access tokens in the table")
        axes.set_ylabel("p50 latency, ms")
        axes.legend()
    axes.set_title(f"{title} (load average {result['load_average_before'][0]})")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs: the whole benchmark in under 3 minutes")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", action="store_true", help="PostgreSQL: 1k/100k/1M tokens, bulk commands")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 10, --quick 3)")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per scenario; the median is reported")
    parser.add_argument("--tokens", type=int, default=10_000, help="tokens visible to the requesting user")
    args = parser.parse_args()
    if args.scale:
        args.db = "postgres"
    args.duration = args.duration or (3 if args.quick else 10)
    args.warmup = 1 if args.quick else 2

    bench = Bench(args)
    # SIGTERM (a CI timeout, kill) stops the server and drops the database as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        result = bench.run()
    finally:
        bench.cleanup()

    RESULTS_DIR.mkdir(exist_ok=True)
    name = "scale" if args.scale else args.db
    for stem in ("latest", name):
        (RESULTS_DIR / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
        plot(result, RESULTS_DIR / f"{stem}.png")
    print_table(result)
    print(f"\nwritten: bench/results/latest.json, latest.png, {name}.json, {name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
