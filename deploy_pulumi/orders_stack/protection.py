"""The WAF web ACL in front of the API stage: AWS managed rule groups and a per-IP rate limit."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from .settings import StackSettings

# AWS managed rule groups, in evaluation order: the cheap IP check first.
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesCommonRuleSet",
)
RATE_RULE = "rate-limit-per-client-ip"
# WAF counts a client's requests over this window (seconds) for the rate-based rule.
RATE_WINDOW_SECONDS = 300


def _visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


class Protection(pulumi.ComponentResource):
    """A regional web ACL on the API stage, logging to its own log group."""

    web_acl: aws.wafv2.WebAcl

    def __init__(
        self,
        name: str,
        settings: StackSettings,
        stage_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("orders:stack:Protection", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        managed = [
            aws.wafv2.WebAclRuleArgs(
                name=group,
                priority=priority,
                # The groups' own actions apply (block), not a count-only override.
                override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                    none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()  # type: ignore[no-untyped-call]
                ),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                        vendor_name="AWS", name=group
                    )
                ),
                visibility_config=_visibility(group),
            )
            for priority, group in enumerate(MANAGED_RULE_GROUPS, start=1)
        ]
        rate = aws.wafv2.WebAclRuleArgs(
            name=RATE_RULE,
            priority=len(MANAGED_RULE_GROUPS) + 1,
            action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                    aggregate_key_type="IP",
                    limit=settings.waf_rate_limit,
                    evaluation_window_sec=RATE_WINDOW_SECONDS,
                )
            ),
            visibility_config=_visibility(RATE_RULE),
        )
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            name=settings.resource_name("api-acl"),
            scope="REGIONAL",
            default_action=aws.wafv2.WebAclDefaultActionArgs(
                allow=aws.wafv2.WebAclDefaultActionAllowArgs()
            ),
            rules=[*managed, rate],
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True,
                metric_name=settings.resource_name("api-acl"),
                sampled_requests_enabled=True,
            ),
            opts=child,
        )
        aws.wafv2.WebAclAssociation(
            f"{name}-on-stage", resource_arn=stage_arn, web_acl_arn=self.web_acl.arn, opts=child
        )
        # WAF only logs to groups whose name starts with "aws-waf-logs-".
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"aws-waf-logs-{settings.resource_name('api')}",
            retention_in_days=settings.waf_log_retention_days,
            opts=child,
        )
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[logs.arn],
            # Tokens never reach the logs.
            redacted_fields=[
                aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                    single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(
                        name="authorization"
                    )
                )
            ],
            opts=child,
        )
        self.register_outputs({"web_acl": self.web_acl.arn})
