"""The two state machines of the payment deadline, as Amazon States Language documents.

Plain data built by functions of the ARNs and URLs they name, so the Pulumi program, the ASL
validator test and the execution test on moto's interpreter render the very same documents.

- :func:`starter_definition`, an **Express** workflow, is the EventBridge rule's target. An
  EventBridge rule's Step Functions target has no parameter for the execution name
  (EventBridge's ``Target`` carries Input, RetryPolicy, DeadLetterConfig and per-service
  parameters for ECS, Batch, SQS, HTTP and a few others, none for Step Functions), so a
  redelivered ``OrderPlaced`` would start a second run. The starter's one task is the
  ``states:startExecution`` service integration with ``Name`` set to the order id: a second
  start with the same name is refused with ``ExecutionAlreadyExists`` (or, for the same input
  while the first is running, answered with that execution), which the starter treats as
  success. No function of ours runs in between.
- :func:`deadline_definition`, a **Standard** workflow, one execution per order (named by its
  id): wait until ``payment_due``, run the expiry function (Retry with backoff on the
  retryable store error and Lambda's own transient errors), wait again if the function says
  the order is not due yet by its clock, and on any other failure put the input and the error
  on the dead-letter queue and fail (which the ExecutionsFailed alarm sees).
"""

from __future__ import annotations

from typing import Any, Final

# Raised by the expiry function (orders_lambda.consumers.expiry): Step Functions names a
# Lambda error by its exception type.
RETRYABLE_STORE_ERRORS: Final = ("StoreUnavailable", "VersionConflict")
LAMBDA_TRANSIENT_ERRORS: Final = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)
ALREADY_STARTED: Final = "StepFunctions.ExecutionAlreadyExistsException"
FAILED_ERROR: Final = "PaymentDeadlineFailed"
# Backoff: 2, 4, 8, 16, 32, 64 s (about two minutes in all) before the failure path.
RETRY_INTERVAL_SECONDS: Final = 2
RETRY_MAX_ATTEMPTS: Final = 6
RETRY_BACKOFF_RATE: Final = 2.0
# "2026-03-01T10:00:00.000000+00:00" (orders_core.order.format_time, always UTC) as
# "2026-03-01T10:00:00.000000Z": the text before the "+", then "Z".
WAIT_UNTIL_FROM_PAYMENT_DUE: Final = (
    "States.Format('{}Z', States.ArrayGetItem(States.StringSplit($.payment_due, '+'), 0))"
)


def _retry(errors: tuple[str, ...]) -> dict[str, Any]:
    return {
        "ErrorEquals": list(errors),
        "IntervalSeconds": RETRY_INTERVAL_SECONDS,
        "MaxAttempts": RETRY_MAX_ATTEMPTS,
        "BackoffRate": RETRY_BACKOFF_RATE,
        "MaxDelaySeconds": 60,
        "JitterStrategy": "FULL",
    }


def _send_to_dlq(queue_url: str) -> dict[str, Any]:
    """A task that puts the state (the input and the error) on the dead-letter queue."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl": queue_url, "MessageBody.$": "$"},
        "Retry": [
            {
                "ErrorEquals": ["States.ALL"],
                "IntervalSeconds": 1,
                "MaxAttempts": 3,
                "BackoffRate": 2.0,
            }
        ],
        "Next": "Failed",
    }


def _failed(cause: str) -> dict[str, Any]:
    return {"Type": "Fail", "Error": FAILED_ERROR, "Cause": cause}


def deadline_definition(expiry_function_arn: str, dead_letter_queue_url: str) -> dict[str, Any]:
    """The Standard workflow: one execution per order, input ``{order_id, payment_due}``."""
    return {
        "Comment": "Waits until an order's payment deadline, then lets it go if still unpaid",
        "StartAt": "DeadlineAsTimestamp",
        "States": {
            # payment_due is written with a "+00:00" offset; a Wait takes only "Z" timestamps.
            "DeadlineAsTimestamp": {
                "Type": "Pass",
                "Parameters": {
                    "order_id.$": "$.order_id",
                    "wait_until.$": WAIT_UNTIL_FROM_PAYMENT_DUE,
                },
                "Next": "WaitForDeadline",
            },
            "WaitForDeadline": {
                "Type": "Wait",
                "TimestampPath": "$.wait_until",
                "Next": "ExpireOrder",
            },
            "ExpireOrder": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {
                    "FunctionName": expiry_function_arn,
                    "Payload": {"order_id.$": "$.order_id"},
                },
                # The function's answer: order_id, status, changed, version, and wait_until
                # while the order is still PENDING (not due yet by the function's clock).
                "OutputPath": "$.Payload",
                "Retry": [_retry(RETRYABLE_STORE_ERRORS), _retry(LAMBDA_TRANSIENT_ERRORS)],
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "ToDLQ"}
                ],
                "Next": "StillPending",
            },
            "StillPending": {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": "$.status", "StringEquals": "PENDING"},
                            {"Variable": "$.wait_until", "IsPresent": True},
                        ],
                        "Next": "WaitForDeadline",
                    }
                ],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
            "ToDLQ": _send_to_dlq(dead_letter_queue_url),
            "Failed": _failed("The expiry failed past its retries; the input is on the DLQ"),
        },
    }


def starter_definition(
    deadline_state_machine_arn: str, dead_letter_queue_url: str
) -> dict[str, Any]:
    """The Express workflow the rule targets: input the whole OrderPlaced event."""
    return {
        "Comment": "Starts one payment deadline execution per order, named by the order id",
        "StartAt": "StartDeadline",
        "States": {
            "StartDeadline": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution",
                "Parameters": {
                    "StateMachineArn": deadline_state_machine_arn,
                    "Name.$": "$.detail.order_id",
                    "Input": {
                        "order_id.$": "$.detail.order_id",
                        "payment_due.$": "$.detail.order.payment_due",
                    },
                },
                "Retry": [
                    {
                        "ErrorEquals": [
                            "StepFunctions.SdkClientException",
                            "StepFunctions.AWSStepFunctionsException",
                            "StepFunctions.ExecutionLimitExceededException",
                        ],
                        "IntervalSeconds": 1,
                        "MaxAttempts": 3,
                        "BackoffRate": 2.0,
                        "JitterStrategy": "FULL",
                    }
                ],
                "Catch": [
                    {"ErrorEquals": [ALREADY_STARTED], "Next": "AlreadyStarted"},
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "ToDLQ"},
                ],
                "End": True,
            },
            "AlreadyStarted": {"Type": "Succeed", "Comment": "A redelivered OrderPlaced"},
            "ToDLQ": _send_to_dlq(dead_letter_queue_url),
            "Failed": _failed("The deadline could not be started; the event is on the DLQ"),
        },
    }
