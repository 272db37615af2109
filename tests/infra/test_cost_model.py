"""The cost model's arithmetic on a small case worked out by hand, and its inputs checked
against the program and the benchmark it reads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from deploy_pulumi import cost_model
from deploy_pulumi.cost_model import (
    WARM_ROUTES,
    Model,
    OrderLife,
    Prices,
    StackInputs,
    Usage,
    alarm_metrics,
    billed_ms,
    cost_by_service,
    due_entry_writes,
    item_size,
    read_units,
    traces_recorded,
    transitions_once_through,
    warm_microseconds,
    write_units,
)

from orders_core import OrderStatus
from orders_manifest.operations import functions

from .conftest import Deployment, run_program

GIB = 1024**3


def _string_item(size: int) -> dict[str, Any]:
    """An item of exactly ``size`` bytes: the one-letter name and a string of size - 1."""
    return {"a": {"S": "x" * (size - 1)}}


def test_item_sizes_follow_dynamodbs_rules() -> None:
    # "PK" (2) + "ORDER#1" (7); "n" (1) + 12.50 -> 125 significant digits -> 2 + 1 bytes.
    assert item_size({"PK": {"S": "ORDER#1"}, "n": {"N": "12.50"}}) == 9 + 4
    # A map: 3 bytes, then per entry 1 + its name + its value.
    assert item_size({"m": {"M": {"k": {"S": "vv"}}}}) == 1 + 3 + 1 + 1 + 2
    assert item_size({"b": {"BOOL": True}, "l": {"L": [{"S": "ab"}]}}) == 2 + 1 + 3 + 1 + 2


def test_request_units_round_up_per_item_and_double_in_a_transaction() -> None:
    assert write_units(_string_item(1024)) == 1
    assert write_units(_string_item(1025)) == 2
    assert write_units(_string_item(1025), transactional=True) == 4
    assert read_units(_string_item(4096)) == 1
    assert read_units(_string_item(4097)) == 2
    assert read_units(_string_item(4096), consistent=False) == 0.5


def test_billed_duration_scales_cpu_to_the_memorys_vcpu_share_and_rounds_up() -> None:
    # 400 us x 1.25 on 1024/1769 of a vCPU = 0.8638 ms, plus 6 ms on the network: 7 ms.
    assert billed_ms(400, 1024, 6.0) == 7
    # At 1,769 MB and above a function has a whole vCPU: 0.5 ms + 0 -> 1 ms, never 0.
    assert billed_ms(400, 3538, 0.0) == 1


def test_services_are_priced_from_the_data_file() -> None:
    usage = Usage(
        lambda_requests=2_000_000,
        lambda_gb_seconds=100_000,
        api_requests=1_000_000,
        write_units=1_000_000,
        read_units=2_000_000,
        custom_events=3_000_000,
        sqs_requests=5_000_000,
        log_bytes=4 * GIB,
        waf_requests=1_000_000,
        traces=1_000_000,
    )
    assert cost_by_service(usage, Prices.load()) == pytest.approx(
        {
            "Lambda": 2 * 0.20 + 100_000 * 0.0000133334,
            "API Gateway": 3.50,
            "DynamoDB": 0.625 + 2 * 0.125,
            "EventBridge": 3 * 1.00,
            "SQS": 5 * 0.40,
            "CloudWatch Logs": 4 * 0.50,
            "WAF": 0.60,
            "X-Ray": 5.00,
            "Step Functions": 0.0,
        }
    )


def _small_model(provisioned: dict[str, int] | None = None) -> Model:
    """Every item 1,000 bytes but the events (1,500), every warm path 400 us, 1 GB each."""
    order = _string_item(1000)
    life = OrderLife(
        orders=dict.fromkeys(OrderStatus, order),
        events=[_string_item(1500)] * 4,
        idempotency_record_bytes=700,
    )
    stack = StackInputs(
        "small", {"api": 1024, "consumer": 1024, "publisher": 1024}, provisioned or {}
    )
    warm = dict.fromkeys(WARM_ROUTES.values(), 400.0)
    return Model(stack, Prices.load(), warm, life, alarm_metrics=50)


def test_one_orders_life_adds_up_as_worked_out_by_hand() -> None:
    total = _small_model().per_order()
    # place: order 2 + event 4 (transactions) + 2 index entries + the idempotency record
    # claimed and completed (706 bytes: 1 each) = 10; three transitions: order 2 + event 4 +
    # index entries 1 + 1 + 1 = 9 each.
    assert total.write_units == 10 + 3 * 9
    # two reads, three consumers' reads and the expiry function's, strongly consistent, 1
    # unit each.
    assert total.read_units == 2 + 3 + 1
    assert total.lambda_requests == 1 + 2 + 3 + 4 + 1
    # 0.8638 ms of CPU each, plus the network: place 3 round trips (18 ms) -> 19 ms, a read
    # 6 -> 7, a consumer 12 -> 13, a publish 15 -> 16, the expiry check 6 -> 7; 1 GB
    # throughout.
    assert total.lambda_gb_seconds == pytest.approx(
        0.019 + 2 * 0.007 + 3 * 0.013 + 4 * 0.016 + 0.007
    )
    assert (total.api_requests, total.waf_requests, total.traces) == (3, 3, 7)
    # The deadline: DeadlineAsTimestamp, WaitForDeadline, ExpireOrder, StillPending, Done;
    # one Express starter run of 0.1 s at 64 MB.
    assert total.state_transitions == 5
    assert total.express_requests == 1
    assert total.express_gb_seconds == pytest.approx(0.0625 * 0.1)
    assert (total.custom_events, total.sqs_requests) == (2 + 4, 3)
    # Per API request access 550 + WAF 1,500 + platform 700; place adds a line and 2 metric
    # blobs (420 + 400), each consumer and the expiry check platform 700 + a line 420, each
    # publish 700.
    assert total.log_bytes == 3 * 2750 + 820 + 4 * 1120 + 4 * 700

    dollars = cost_by_service(total, Prices.load())
    assert dollars == pytest.approx(
        {
            "Lambda": 11 * 0.20e-6 + 0.143 * 0.0000133334,
            "API Gateway": 3 * 3.50e-6,
            "DynamoDB": 37 * 0.625e-6 + 6 * 0.125e-6,
            "EventBridge": 6 * 1.00e-6,
            "SQS": 3 * 0.40e-6,
            "CloudWatch Logs": 16_350 / GIB * 0.50,
            "WAF": 3 * 0.60e-6,
            "X-Ray": 7 * 5.00e-6,
            "Step Functions": 5 * 0.025e-3 + 1.00e-6 + 0.00625 * 0.00001667,
        }
    )


def test_a_month_samples_traces_and_adds_the_fixed_costs() -> None:
    # 1 a second for 730 hours, then 5% of the rest.
    assert traces_recorded(6_000_000) == pytest.approx(2_628_000 + 0.05 * 3_372_000)
    assert traces_recorded(1000) == 1000
    month = _small_model({"create_order": 2}).month(1_000_000)
    assert month["X-Ray"] == pytest.approx(traces_recorded(7_000_000) * 5.00e-6)
    assert month["DynamoDB"] == pytest.approx(37 * 0.625 + 6 * 0.125)
    # Two environments of 1 GB kept ready all month.
    assert month["Lambda provisioned concurrency"] == pytest.approx(
        2 * 1 * 730 * 3600 * 0.0000033334
    )
    assert month["CloudWatch alarms"] == pytest.approx(50 * 0.10)
    assert month["WAF web ACL and rules"] == pytest.approx(5.00 + 4 * 1.00)


def test_the_model_reads_every_warm_figure_it_needs_from_the_benchmark() -> None:
    warm = warm_microseconds()
    assert set(WARM_ROUTES.values()) <= set(warm)
    assert all(value > 0 for value in warm.values())


@pytest.fixture(scope="module")
def prod() -> StackInputs:
    return StackInputs.of(cost_model.declare("prod").built.settings)


def test_the_model_reads_memory_and_provisioned_concurrency_from_the_stack_files(
    prod: StackInputs,
) -> None:
    assert prod.memory_mb == {"api": 1024, "consumer": 1024, "publisher": 1024}
    assert prod.provisioned == {"create_order": 2, "get_order": 2, "list_orders": 2}
    assert StackInputs.of(cost_model.declare("dev").built.settings).provisioned == {}


def test_the_fixed_resources_the_model_prices_are_those_the_program_declares(
    deployment: Deployment,
) -> None:
    assert len(deployment.of_type("aws:kms/key:Key")) == cost_model.KMS_KEYS
    assert len(deployment.of_type("aws:secretsmanager/secret:Secret")) == cost_model.SECRETS
    dashboards = deployment.of_type("aws:cloudwatch/dashboard:Dashboard")
    assert len(dashboards) == cost_model.DASHBOARDS
    (acl,) = deployment.of_type("aws:wafv2/webAcl:WebAcl")
    assert len(acl.state["rules"]) == cost_model.WAF_RULES


def test_the_command_prices_the_alarms_the_stack_declares(
    capsys: pytest.CaptureFixture[str], code_zip: Path
) -> None:
    # dev's program, declared under the mocks as the infra tests see it: no count is kept by
    # hand, so a new function's or index's alarms are priced as soon as the program has them.
    declared = run_program("dev", code_zip).of_type(cost_model.ALARM)
    cost_model.main(["--stack", "dev"])
    priced = re.search(r"CloudWatch alarms +(\d+\.\d\d)", capsys.readouterr().out)

    assert priced is not None
    assert alarm_metrics(a.state for a in declared) > len(functions()) * 4
    assert float(priced[1]) == round(alarm_metrics(a.state for a in declared) * 0.10, 2)


def test_the_report_prints_each_step_the_month_by_service_and_what_dominates(
    prod: StackInputs,
) -> None:
    text = cost_model.report(
        Model(prod, Prices.load(), warm_microseconds(), alarm_metrics=90),
        1_000_000,
    )
    for part in ("place", "read x2", "pay", "ship", "deliver", "publish x4", "DynamoDB"):
        assert part in text
    assert "1,000,000 orders a month" in text
    assert "dominant line:" in text


def test_the_expiry_index_entry_is_written_at_placement_and_removed_when_paid(
    prod: StackInputs,
) -> None:
    model = Model(prod, Prices.load(), warm_microseconds(), alarm_metrics=0)
    pending = model.life.orders[OrderStatus.PENDING]
    paid = model.life.orders[OrderStatus.PAID]
    assert "GSI3PK" in pending
    assert "GSI3PK" not in paid
    # Keys only: one write unit to put it, one to delete it; later transitions touch none.
    assert due_entry_writes(None, pending) == 1
    assert due_entry_writes(pending, paid) == 1
    assert due_entry_writes(paid, model.life.orders[OrderStatus.SHIPPED]) == 0


def test_the_straight_run_of_a_workflow_counts_each_state_it_enters() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Choice", "Choices": [{"Next": "A"}], "Default": "C"},
            "C": {"Type": "Succeed"},
        },
    }
    assert transitions_once_through(definition) == 3
    looping = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}
    with pytest.raises(ValueError, match="loops"):
        transitions_once_through(looping)
