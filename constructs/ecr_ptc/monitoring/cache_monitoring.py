"""CacheMonitoring: the notification topic, the alarms on a cache and its scheduled re-warm, a dashboard."""

from __future__ import annotations

from typing import Optional

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

from constructs import Construct
from ecr_ptc.cache.base import IPullThroughCache
from ecr_ptc.errors import ValidationError
from ecr_ptc.monitoring.dashboard import CacheDashboard
from ecr_ptc.monitoring.pull_through_events import PullThroughFailureEvents
from ecr_ptc.monitoring.settings import MonitoringSettings
from ecr_ptc.warming.cache_warmer import CacheWarmer

ALARM_TEXT = {
    "PullThroughFailures": (
        "ECR could not pull through the cache {cache} in the last 5 minutes. Each failure's prefix, repository, "
        "tag, code and reason is in the message sent with it (the first per prefix and code an hour) and in the "
        "dashboard table 'Recent pull-through failures'. Usual causes: upstream credentials rejected (store new "
        "ones in the rule's ecr-pullthroughcache/ secret), the upstream's rate limit or outage, a tag that does "
        "not exist. OK again 5 minutes after the last failure."
    ),
    "PullThroughReporting": (
        "The function that counts and reports pull-through failures of {cache} failed: failures may go "
        "unreported. Its log group is {logs}."
    ),
    "WarmFailures": (
        "The last scheduled re-warm of {cache} could not warm one or more images (the dashboard table 'Re-warm "
        "runs' lists each with its reason; 'ecr-ptc warm --config <file>' repeats the run by hand). It stays in "
        "ALARM until a run warms every image."
    ),
    "WarmRunsMissed": (
        "A scheduled re-warm of {cache} did not run or did not finish (the schedule could not invoke the "
        "function, or the run crashed or timed out); the dead-letter queue {queue} holds the event and the error. "
        "Fix the cause, then purge the queue (aws sqs purge-queue --queue-url {queue}) to clear this alarm."
    ),
}


class CacheMonitoring(Construct):
    """Alarms with notifications, and a dashboard, for a pull-through cache and (optionally) its warmer.

    Creates: the topic (``settings.topic_arn`` instead when given: nothing is created for it) with the email
    subscriptions; ``pull_through`` (:class:`PullThroughFailureEvents`); ``alarms``: ``PullThroughFailures``
    and ``PullThroughReporting``, and with a scheduled warmer ``WarmFailures`` and ``WarmRunsMissed``, each
    notifying the topic on ALARM and on OK; ``dashboard`` unless ``settings.dashboard`` is False.

    :param cache: the cache watched (its prefixes scope the pull-through failure events).
    :param settings: who is told, and whether there is a dashboard.
    :param warmer: the cache's warmer (default: none); its scheduled runs get alarms and dashboard widgets.
    :raises ValidationError: for a topic in another Region than the stack's, or props of the wrong type.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cache: IPullThroughCache,
        settings: MonitoringSettings,
        warmer: Optional[CacheWarmer] = None,
    ) -> None:
        self._check_props(scope, cache, settings, warmer)
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.settings = settings
        self.cache_name = stack.stack_name
        self.topic: sns.ITopic = self._topic(settings)
        subscriptions = Construct(self, "Email")  # one subscription per address, its id the address
        self.subscriptions = [
            sns.Subscription(
                subscriptions, address, topic=self.topic, protocol=sns.SubscriptionProtocol.EMAIL, endpoint=address
            )
            for address in settings.email
        ]
        self.pull_through = PullThroughFailureEvents(self, "PullThroughFailures", cache=cache, topic=self.topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        self._alarm_scope = Construct(self, "Alarms")
        missing = cloudwatch.TreatMissingData
        self._alarm("PullThroughFailures", self.pull_through.metric_failures(), missing.NOT_BREACHING)
        self._alarm(
            "PullThroughReporting",
            self.pull_through.function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
            missing.NOT_BREACHING,
            logs=self.pull_through.log_group.log_group_name,
        )
        if warmer is not None and warmer.schedule is not None and warmer.dead_letter_queue is not None:
            # One datapoint per run (zeros included): the alarm keeps the last run's verdict between runs.
            self._alarm("WarmFailures", warmer.metric_images_failed(), missing.IGNORE)
            self._alarm(
                "WarmRunsMissed",
                warmer.dead_letter_queue.metric_approximate_number_of_messages_visible(
                    period=Duration.minutes(5), statistic="Maximum"
                ),
                missing.NOT_BREACHING,
                queue=warmer.dead_letter_queue.queue_url,
            )
        self.dashboard: Optional[CacheDashboard] = None
        if settings.dashboard:
            self.dashboard = CacheDashboard(
                self,
                "Dashboard",
                name=f"{self.cache_name}-{id}",
                prefixes=cache.prefixes,
                notify=self._notify_text(),
                alarms=list(self.alarms.values()),
                pull_through=self.pull_through,
                warmer=warmer,
            )

    @staticmethod
    def _check_props(scope: Construct, cache: object, settings: object, warmer: object) -> None:
        if not isinstance(cache, IPullThroughCache):
            raise ValidationError(
                "cache",
                f"expected a pull-through cache, got {cache!r}",
                "pass a PullThroughCache, or PullThroughCache.from_attributes(...) for one deployed elsewhere",
            )
        if not isinstance(settings, MonitoringSettings):
            raise ValidationError(
                "settings",
                f"expected MonitoringSettings, got {settings!r}",
                "pass settings=MonitoringSettings(email=('team@example.com',))",
            )
        if warmer is not None and not isinstance(warmer, CacheWarmer):
            raise ValidationError("warmer", f"expected a CacheWarmer, got {warmer!r}", "pass the cache's CacheWarmer")
        region = Stack.of(scope).region
        error = settings.topic_location_error(None if Token.is_unresolved(region) else region)
        if error:
            raise error.under("settings")

    def _topic(self, settings: MonitoringSettings) -> sns.ITopic:
        if settings.topic_arn is not None:
            return sns.Topic.from_topic_arn(self, "Topic", settings.topic_arn)
        stack = Stack.of(self)
        # CloudWatch alarms publish to an encrypted topic only with a customer managed key whose policy lets
        # them (SNS developer guide, "Enable compatibility between event sources from AWS services and
        # encrypted topics"); both grants hold only for this account's alarms in this Region.
        alarms_here = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"},
        }
        cloudwatch_principal = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        key = kms.Key(
            self,
            "TopicKey",
            enable_key_rotation=True,
            description=f"Encrypts the notification topic of the ECR pull-through cache {stack.stack_name}",
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[cloudwatch_principal],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, '*' is this key
                conditions=alarms_here,
            )
        )
        topic = sns.Topic(
            self,
            "Topic",
            master_key=key,
            enforce_ssl=True,
            display_name="ECR pull-through cache",
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[cloudwatch_principal],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions=alarms_here,
            )
        )
        return topic

    def _alarm(self, name: str, metric: cloudwatch.IMetric, missing: cloudwatch.TreatMissingData, **text: str) -> None:
        alarm = cloudwatch.Alarm(
            self._alarm_scope,
            name,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=missing,
            alarm_name=f"{self.cache_name}-{self.node.id}-{name}",
            alarm_description=ALARM_TEXT[name].format(cache=self.cache_name, **text),
        )
        action = cw_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        self.alarms[name] = alarm

    def _notify_text(self) -> str:
        where = (
            "the existing topic `" + str(self.settings.topic_arn) + "`"
            if self.settings.topic_arn
            else "this stack's topic"
        )
        people = ", ".join(self.settings.email)
        return where + (f" ({people})" if people else "")

    @property
    def dashboard_url(self) -> Optional[str]:
        """The console address of the dashboard (None without one)."""
        if self.dashboard is None:
            return None
        stack = Stack.of(self)
        return (
            f"https://{stack.region}.console.aws.amazon.com/cloudwatch/home?region={stack.region}"
            f"#dashboards/dashboard/{self.dashboard.dashboard_name}"
        )


__all__ = ["ALARM_TEXT", "CacheMonitoring"]
