"""Schemathesis against a live server: every operation of the schema, as a superuser and as a plain member.

Each operation gets the schema's boundary and type-violating cases (schemathesis' coverage phase,
evenly thinned to the budget) and FUZZ_EXAMPLES generated cases of valid and of invalid data.
Every answer must be no 5xx, conform to the schema (status, content type, body), and show no
secret that an earlier answer created. In CI the cases are derandomized; with FUZZ_EXAMPLES set
(e.g. `FUZZ_EXAMPLES=500 bin/test tests/fuzz`) they are random, and FUZZ_SEED repeats a run.
"""

import os
import time

import hypothesis
import pytest
import schemathesis
from schemathesis.generation import GenerationMode

from tests.support.fuzzing import FuzzWorld
from tests.support.openapi import generated_schema

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
RANDOM = "FUZZ_EXAMPLES" in os.environ
SEED = int(os.environ.get("FUZZ_SEED", "0")) if not RANDOM or "FUZZ_SEED" in os.environ else None


def _schema():
    config = schemathesis.Config.from_dict(
        {"generation": {"max-examples": EXAMPLES, "database": "none", "deterministic": not RANDOM}}
        | ({"seed": SEED} if SEED is not None else {})
    )
    return schemathesis.openapi.from_dict(generated_schema(), config=config)


def _thinned(cases: list, budget: int) -> list:
    if len(cases) <= budget:
        return cases
    step = len(cases) / budget
    return [cases[int(i * step)] for i in range(budget)]


def fuzz(world: FuzzWorld, include) -> None:
    schema = _schema()
    settings = hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=not RANDOM,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    for result in schema.get_all_operations():
        operation = result.ok()
        if not include(operation.path):
            continue
        coverage = list(
            schema.iter_coverage_cases(
                operation,
                generation_modes=list(GenerationMode),
                generation_config=schema.config.generation_for(operation=operation, phase="coverage"),
            )
        )
        for case in _thinned(coverage, EXAMPLES * 2):
            world.run(case)
        for mode in GenerationMode:

            @settings
            @hypothesis.given(operation.as_strategy(generation_mode=mode))
            def generated(case):
                world.run(case)

            try:
                generated()
            except hypothesis.errors.Unsatisfiable:
                # Nothing to make invalid: an operation without parameters or body has no negative cases.
                assert mode == GenerationMode.NEGATIVE


def report(world: FuzzWorld, seconds: float) -> str:
    stats = world.stats
    lines = [f"{world.persona}: {len(stats.cases)} operations, {sum(stats.cases.values())} cases in {seconds:.1f} s"]
    lines += [f"  {label}: {count} {sorted(stats.statuses[label])}" for label, count in sorted(stats.cases.items())]
    lines.append(f"  spared {stats.swapped}, healed {stats.healed}, {stats.seconds:.1f} s in requests")
    return "\n".join(lines)


def _api(path: str) -> bool:
    return not path.startswith(("/api/o/", "/.well-known/"))


@pytest.mark.parametrize("persona", ["superuser", "member"])
def test_every_operation_answers_as_its_schema_says(live_server, transactional_db, persona):
    world = FuzzWorld(live_server.url, persona)
    started = time.monotonic()
    fuzz(world, _api)
    print(report(world, time.monotonic() - started))
    findings = "\n\n".join(f"{f.operation} [{f.kind}] {f.status}\n{f.detail}" for f in world.findings)
    assert not world.findings, f"{len(world.findings)} findings:\n{findings}"


def test_the_oauth_endpoints_answer_as_the_schema_says(live_server, transactional_db):
    world = FuzzWorld(live_server.url, "member")
    started = time.monotonic()
    fuzz(world, lambda path: not _api(path))
    print(report(world, time.monotonic() - started))
    findings = "\n\n".join(f"{f.operation} [{f.kind}] {f.status}\n{f.detail}" for f in world.findings)
    assert not world.findings, f"{len(world.findings)} findings:\n{findings}"
